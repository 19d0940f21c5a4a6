//! Small drawing pieces shared by the panes.

pub mod field;
pub mod form;
pub mod glass;
pub mod help;
pub mod lock;
pub mod palette;
pub mod status;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::action::{Action, PaneId, Step};
use super::keymap::{Keymap, Mode};
use super::theme::{Role, Theme};

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// A short label for footer hints.
pub fn short(a: Action) -> &'static str {
    match a {
        Action::Quit | Action::QuitNow => "quit",
        Action::Help => "help",
        Action::Palette => "commands",
        Action::NextPane => "next pane",
        Action::FocusSearch => "search",
        Action::LeaveField => "leave box",
        Action::ClearSearch => "clear",
        Action::Open => "open",
        Action::Back => "back",
        Action::Move(Step::Down) => "down",
        Action::Move(Step::Up) => "up",
        Action::Move(Step::PageDown) => "page",
        Action::Move(Step::Top) => "top",
        Action::Move(Step::Bottom) => "end",
        Action::ScrollDown => "scroll details",
        Action::Confirm => "run",
        Action::Go(PaneId::Patients) => "patients",
        Action::Go(PaneId::Audit) => "panes",
        Action::Lock => "lock",
        Action::NextField => "next field",
        Action::Save => "save",
        Action::CancelJob => "stop job",
        _ => "",
    }
}

/// Footer hints for a mode on a pane, generated from the live keymap.
pub fn hints<'a>(
    keymap: &Keymap,
    mode: Mode,
    pane: PaneId,
    actions: &[Action],
    theme: &Theme,
    width: u16,
) -> Line<'a> {
    use unicode_width::UnicodeWidthStr;
    let mut spans = Vec::new();
    let mut used = 0;
    for a in actions {
        let key = match a {
            Action::Go(PaneId::Audit) => pane_keys(keymap, mode, pane),
            _ => keymap.hint(mode, pane, *a),
        };
        let Some(key) = key else {
            continue;
        };
        // A hint that does not fit is left out whole, never cut.
        let sep = if spans.is_empty() { 0 } else { 2 };
        let w = sep + key.width() + 1 + short(*a).width();
        if used + w > width as usize {
            break;
        }
        used += w;
        if sep > 0 {
            spans.push(Span::styled("  ", theme.style(Role::Muted)));
        }
        spans.push(Span::styled(key, theme.style(Role::Key)));
        spans.push(Span::styled(
            format!(" {}", short(*a)),
            theme.style(Role::Muted),
        ));
    }
    Line::from(spans)
}

/// What a restricted record is, in plain words ("substance-use record (42 CFR Part 2)"),
/// from the service's kinds (`restricted`, `employee`, `part2`, separated by commas).
pub fn kinds_words(kinds: &str) -> String {
    let words: Vec<String> = kinds
        .split([',', ' '])
        .filter(|k| !k.is_empty())
        .map(|k| match k {
            "restricted" => "restricted record".to_string(),
            "employee" => "employee record".to_string(),
            "part2" => "substance-use record (42 CFR Part 2)".to_string(),
            other => crate::domain::Text::from(other).to_string(),
        })
        .collect();
    if words.is_empty() {
        "restricted record".into()
    } else {
        words.join(", ")
    }
}

/// The keys that switch panes as a range ("Alt-1…Alt-6"), from the live keymap.
fn pane_keys(keymap: &Keymap, mode: Mode, pane: PaneId) -> Option<String> {
    let first = *PaneId::ALL.first()?;
    let last = *PaneId::ALL.last()?;
    let alt = |p: PaneId| {
        keymap
            .keys_for(mode, pane, Action::Go(p))
            .into_iter()
            .map(|c| c.to_string())
            .find(|k| k.starts_with("Alt-"))
    };
    match (alt(first), alt(last)) {
        (Some(a), Some(b)) => Some(format!("{a}…{b}")),
        _ => keymap.hint(mode, pane, Action::Go(last)),
    }
}

/// Cuts a string to `width` display columns, with `…` when cut.
pub fn fit(s: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// The last `width` columns of a string (for a long path or a long query), `…` in front.
pub fn tail(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    if s.width() <= width {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out: Vec<char> = Vec::new();
    let mut w = 1;
    for c in chars.iter().rev() {
        let cw = unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
        if w + cw > width {
            break;
        }
        out.push(*c);
        w += cw;
    }
    out.push('…');
    out.iter().rev().collect()
}
