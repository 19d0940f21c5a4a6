//! One file per pane.

pub mod audit;
pub mod chart;
pub mod patients;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

use super::action::Pane;
use super::theme::{Role, Theme};

/// A pane whose issue has not landed yet: one honest line.
pub fn placeholder(pane: Pane, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let what = match pane {
        Pane::Coding => "code encounters (ICD-10-CM/PCS, HCPCS) from the DNFC worklist",
        Pane::Requests => "work release-of-information and chart requests",
        Pane::Reports => "run department reports",
        _ => "review the audit trail",
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::Border))
        .title(Span::styled(
            format!(" {} ", pane.title()),
            theme.style(Role::Title),
        ));
    Paragraph::new(Line::from(format!(
        "Not built yet: the {} pane, where you will {what}, arrives with its own issue.",
        pane.title()
    )))
    .wrap(Wrap { trim: true })
    .style(theme.style(Role::Muted))
    .block(block)
    .render(area, buf);
}
