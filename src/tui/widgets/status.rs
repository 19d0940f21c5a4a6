//! The status bar: mode, user and role, store, and the latest message.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::tail;
use crate::tui::state::{Level, State};
use crate::tui::theme::Role;

pub fn render(state: &State, area: Rect, buf: &mut Buffer) {
    let t = &state.app.theme;
    let bar = t.style(Role::Status);
    let mode = format!(" {} ", state.mode().label());
    let mut spans = vec![
        Span::styled(mode, t.style(Role::StatusMode)),
        Span::styled(" ", bar),
    ];
    match (&state.app.session, &state.app.store_error) {
        (Some(s), _) => {
            spans.push(Span::styled(format!("{} ({})", s.user, s.role), bar));
            spans.push(Span::styled(" │ ", bar));
            let room = (area.width as usize / 3).max(8);
            spans.push(Span::styled(tail(&s.store.shown(), room), bar));
        }
        (None, Some(_)) => spans.push(Span::styled("store not open", bar)),
        (None, None) => spans.push(Span::styled("opening the store…", bar)),
    }
    if let Some((level, msg)) = &state.app.status {
        let role = match level {
            Level::Info => Role::Status,
            Level::Warning => Role::Warning,
            Level::Error => Role::Error,
        };
        spans.push(Span::styled(" │ ", bar));
        spans.push(Span::styled(msg.to_string(), t.style(role)));
    }
    Paragraph::new(Line::from(spans))
        .style(bar)
        .render(area, buf);
}
