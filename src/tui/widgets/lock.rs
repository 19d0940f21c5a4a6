//! The lock screen: no patient data, the user's name, a masked password field, the answer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Padding, Paragraph, Widget, Wrap};

use super::centered;
use crate::tui::lock::LockState;
use crate::tui::state::State;
use crate::tui::theme::Role;

/// Draws the lock box in `area`; returns where the text cursor goes.
pub fn render(state: &State, l: &LockState, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
    let t = &state.app.theme;
    let pop = centered(area, 72, 12);
    if pop.width < 24 || pop.height < 7 {
        return None;
    }
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.style(Role::BorderFocused))
        .padding(Padding::new(2, 2, 1, 1))
        .title(Span::styled(" chartroom is locked ", t.style(Role::Title)));
    let inner = block.inner(pop);
    block.render(pop, buf);
    let user = state
        .app
        .session
        .as_ref()
        .map(|s| s.user.to_string())
        .unwrap_or_else(|| "?".into());
    let room = inner.width.saturating_sub(11) as usize;
    let (mask, x) = l.password.view(room);
    let mut lines = vec![
        Line::from(Span::styled(
            "chartroom is locked — type your password to resume",
            t.style(Role::Accent),
        )),
        Line::from(""),
        Line::from(vec![
            Span::styled("User      ", t.style(Role::Muted)),
            Span::raw(user),
        ]),
        Line::from(vec![
            Span::styled("Password  ", t.style(Role::Muted)),
            Span::styled(mask, t.style(Role::Input)),
        ]),
        Line::from(""),
    ];
    if l.pending.is_some() {
        lines.push(Line::from(Span::styled(
            "checking the password…",
            t.style(Role::Muted),
        )));
    } else if let Some(e) = &l.error {
        lines.push(Line::from(Span::styled(
            e.to_string(),
            t.style(Role::Error),
        )));
    } else {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        "Enter unlock · Ctrl-c quit",
        t.style(Role::Muted),
    )));
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .style(t.style(Role::Base))
        .render(inner, buf);
    let cx = inner.x + 10 + x;
    (inner.height > 3).then_some((cx.min(inner.right().saturating_sub(1)), inner.y + 3))
}
