//! The restricted-record warning (break the glass): a banner, "Continue? [y/N]" with No as
//! the default, then the reason, which the privacy officer sees.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget, Wrap};

use super::centered;
use crate::domain::Text;
use crate::tui::overlay::{Glass, GlassTarget};
use crate::tui::theme::{Role, Theme};

/// Draws the dialog; returns where the text cursor goes while the reason is typed.
pub fn render(g: &Glass, theme: &Theme, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
    let pop = centered(area, 70, 10);
    if pop.width < 20 || pop.height < 6 {
        return None;
    }
    Clear.render(pop, buf);
    let what = match &g.target {
        GlassTarget::Chart(mrn) => format!("The chart of MRN {}", Text::from(mrn.as_str())),
        GlassTarget::Document(_) => "This document".to_string(),
    };
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.style(Role::Restricted))
        .title(Span::styled(
            " RESTRICTED RECORD ",
            theme.style(Role::Restricted),
        ));
    let inner = block.inner(pop);
    block.render(pop, buf);
    let mut lines = vec![
        Line::from(Span::styled(
            format!("{what} is a {}.", super::kinds_words(&g.kinds)),
            theme.style(Role::Warning),
        )),
        Line::from("Opening it is logged; the privacy officer sees your reason."),
        Line::from(""),
    ];
    let width = inner.width.saturating_sub(10) as usize;
    let (shown, x) = g.reason.view(width);
    if g.confirmed {
        lines.push(Line::from(vec![
            Span::styled("Reason: ", theme.style(Role::Accent)),
            Span::styled(shown, theme.style(Role::Input)),
        ]));
        lines.push(Line::from(Span::styled(
            "Enter open · Esc cancel",
            theme.style(Role::Muted),
        )));
    } else {
        lines.push(Line::from(vec![
            Span::styled("Continue? ", theme.style(Role::Accent)),
            Span::styled("[y/N]", theme.style(Role::Key)),
        ]));
        lines.push(Line::from(Span::styled(
            "y continues · any other key cancels (No)",
            theme.style(Role::Muted),
        )));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .style(theme.style(Role::Base))
        .render(inner, buf);
    let cx = inner.x + 8 + x;
    g.confirmed
        .then_some((cx.min(inner.right().saturating_sub(1)), inner.y + 3))
}
