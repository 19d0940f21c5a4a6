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
        Action::Quit => "quit",
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
) -> Line<'a> {
    let mut spans = Vec::new();
    for a in actions {
        let Some(key) = keymap.hint(mode, pane, *a) else {
            continue;
        };
        if !spans.is_empty() {
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
