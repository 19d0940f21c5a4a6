//! The closed set of things a key can do. Each has a snake_case name (what `keymap.toml` and
//! the palette use) and a line of help text (shown in the help overlay, the footer and the
//! palette). Movement is one action with a step; its steps keep their old names (`down`,
//! `page_up`, `top`…), so keymap files written before stay valid.

use std::borrow::Cow;

pub use super::panes::PaneId;

/// How far a movement goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Down,
    Up,
    HalfPageDown,
    HalfPageUp,
    PageDown,
    PageUp,
    Top,
    Bottom,
}

impl Step {
    /// The position after this step from `cur` in a list of `len` (a page is `page` rows).
    pub fn apply(self, cur: usize, len: usize, page: usize) -> usize {
        if len == 0 {
            return 0;
        }
        let page = page.max(1) as isize;
        let delta: isize = match self {
            Step::Down => 1,
            Step::Up => -1,
            Step::HalfPageDown => (page / 2).max(1),
            Step::HalfPageUp => -(page / 2).max(1),
            Step::PageDown => page,
            Step::PageUp => -page,
            Step::Top => isize::MIN / 2,
            Step::Bottom => isize::MAX / 2,
        };
        (cur as isize)
            .saturating_add(delta)
            .clamp(0, len as isize - 1) as usize
    }
}

/// Everything a key or a palette command can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Quit; asks "Quit chartroom? [y/N]" while a chart, a draft or a search is open.
    Quit,
    /// Quit at once (Ctrl-c); asks only when an unsaved draft would be lost.
    QuitNow,
    Suspend,
    Help,
    Palette,
    Redraw,
    Lock,
    NextPane,
    PrevPane,
    /// Jump to a pane (`pane_patients`, `pane_chart`, …).
    Go(PaneId),
    FocusSearch,
    LeaveField,
    ClearSearch,
    Open,
    Back,
    Move(Step),
    ScrollDown,
    ScrollUp,
    ReviewAlert,
    /// Re-open a reviewed privacy alert (asks for a reason).
    UnreviewAlert,
    Confirm,
    /// In a form: the next field, the previous one, save.
    NextField,
    PrevField,
    Save,
    CancelJob,
}

/// Name and help text of every action but the pane jumps, in help order.
const TABLE: &[(Action, &str, &str)] = &[
    (
        Action::Quit,
        "quit",
        "Quit (asks first if a chart, draft or search is open)",
    ),
    (
        Action::QuitNow,
        "quit_now",
        "Quit now (asks only if a draft would be lost)",
    ),
    (
        Action::Suspend,
        "suspend",
        "Suspend to the shell (resume with fg)",
    ),
    (Action::Help, "help", "Show or hide this help"),
    (Action::Palette, "palette", "Open the command palette"),
    (Action::Redraw, "redraw", "Redraw the whole screen"),
    (
        Action::Lock,
        "lock",
        "Lock the screen now (clears patient data from it)",
    ),
    (Action::NextPane, "next_pane", "Next pane"),
    (Action::PrevPane, "prev_pane", "Previous pane"),
];

const TABLE_2: &[(Action, &str, &str)] = &[
    (
        Action::FocusSearch,
        "focus_search",
        "Type in the search box",
    ),
    (
        Action::LeaveField,
        "leave_field",
        "Leave the field (on Patients: Tab or Alt-2… instead)",
    ),
    (Action::ClearSearch, "clear_search", "Clear the search box"),
    (
        Action::Open,
        "open",
        "Open the selected patient or document",
    ),
    (Action::Back, "back", "Back / close"),
    (Action::Move(Step::Down), "down", "Move down"),
    (Action::Move(Step::Up), "up", "Move up"),
    (
        Action::Move(Step::HalfPageDown),
        "half_page_down",
        "Half a page down",
    ),
    (
        Action::Move(Step::HalfPageUp),
        "half_page_up",
        "Half a page up",
    ),
    (Action::Move(Step::PageDown), "page_down", "Page down"),
    (Action::Move(Step::PageUp), "page_up", "Page up"),
    (Action::Move(Step::Top), "top", "Go to the first line"),
    (Action::Move(Step::Bottom), "bottom", "Go to the last line"),
    (
        Action::ScrollDown,
        "scroll_down",
        "Scroll the chart details down",
    ),
    (Action::ScrollUp, "scroll_up", "Scroll the chart details up"),
    (
        Action::ReviewAlert,
        "review_alert",
        "Mark the selected privacy alert reviewed (Audit pane, after :alerts; asks first)",
    ),
    (
        Action::UnreviewAlert,
        "unreview_alert",
        "Re-open the selected reviewed privacy alert, with a reason",
    ),
    (Action::Confirm, "confirm", "Run the selected command"),
    (Action::NextField, "next_field", "Next field of the form"),
    (
        Action::PrevField,
        "prev_field",
        "Previous field of the form",
    ),
    (Action::Save, "save", "Save the form"),
    (
        Action::CancelJob,
        "cancel_job",
        "Stop the long job that is running",
    ),
];

impl Action {
    /// Every action, in help order.
    pub fn all() -> impl Iterator<Item = Action> {
        TABLE
            .iter()
            .map(|e| e.0)
            .chain(PaneId::ALL.iter().map(|p| Action::Go(*p)))
            .chain(TABLE_2.iter().map(|e| e.0))
    }

    fn entry(self) -> Option<&'static (Action, &'static str, &'static str)> {
        TABLE.iter().chain(TABLE_2).find(|e| e.0 == self)
    }

    /// The name used in keymap files and the palette.
    pub fn name(self) -> Cow<'static, str> {
        match self {
            Action::Go(p) => Cow::Owned(format!("pane_{}", p.name())),
            a => Cow::Borrowed(a.entry().map(|e| e.1).unwrap_or("?")),
        }
    }

    /// What the palette lists it as: plain words (`go to chart`, `review alert`), never
    /// the keymap name.
    pub fn words(self) -> Cow<'static, str> {
        match self {
            Action::Go(p) => Cow::Owned(format!("go to {}", p.title().to_lowercase())),
            Action::QuitNow => Cow::Borrowed("quit now"),
            Action::PrevPane => Cow::Borrowed("previous pane"),
            Action::FocusSearch => Cow::Borrowed("search"),
            Action::Open => Cow::Borrowed("open selected"),
            Action::Move(Step::Top) => Cow::Borrowed("go to top"),
            Action::Move(Step::Bottom) => Cow::Borrowed("go to bottom"),
            Action::CancelJob => Cow::Borrowed("stop job"),
            a => Cow::Owned(a.name().replace('_', " ")),
        }
    }

    /// The help text.
    pub fn desc(self) -> Cow<'static, str> {
        match self {
            Action::Go(p) => Cow::Owned(format!("Go to the {} pane", p.title())),
            a => Cow::Borrowed(a.entry().map(|e| e.2).unwrap_or("")),
        }
    }

    /// The action with this name (as written in keymap.toml).
    pub fn from_name(name: &str) -> Option<Action> {
        Action::all().find(|a| a.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_old_names_stay() {
        for a in Action::all() {
            assert_eq!(Action::from_name(&a.name()), Some(a));
            assert!(!a.desc().is_empty());
        }
        for old in [
            "down",
            "up",
            "half_page_down",
            "page_up",
            "top",
            "bottom",
            "pane_patients",
            "pane_audit",
            "review_alert",
            "focus_search",
        ] {
            assert!(Action::from_name(old).is_some(), "{old}");
        }
        assert_eq!(Step::Down.apply(0, 3, 10), 1);
        assert_eq!(Step::Bottom.apply(0, 3, 10), 2);
        assert_eq!(Step::PageUp.apply(2, 3, 10), 0);
        assert_eq!(Step::Down.apply(0, 0, 10), 0);
    }
}
