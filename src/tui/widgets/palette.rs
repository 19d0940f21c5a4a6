//! The `:` command palette popup.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget};

use super::fit;
use crate::tui::palette::{PaletteState, matches};
use crate::tui::theme::{Role, Theme};

/// Draws the palette; returns where the text cursor goes.
pub fn render(p: &PaletteState, theme: &Theme, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
    if area.width < 10 || area.height < 5 {
        return None;
    }
    let items = matches(&p.input.text());
    let w = area.width.saturating_sub(4).min(72);
    let h = (items.len() as u16 + 4).clamp(5, area.height.saturating_sub(2).clamp(5, 16));
    let pop = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + 1,
        width: w,
        height: h.min(area.height.saturating_sub(1)),
    };
    Clear.render(pop, buf);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocused))
        .title(Span::styled(" Commands ", theme.style(Role::Title)))
        .title_bottom(Line::from(" Enter run · Esc close ").right_aligned());
    let inner = block.inner(pop);
    block.render(pop, buf);
    let iw = inner.width as usize;
    let (input, x) = p.input.view(iw.saturating_sub(3));
    let mut lines = vec![Line::from(vec![
        Span::styled(": ", theme.style(Role::Accent)),
        Span::styled(input, theme.style(Role::Input)),
    ])];
    let rows = inner.height.saturating_sub(1) as usize;
    if items.is_empty() {
        lines.push(Line::from(Span::styled(
            "no command matches (try quit, theme light, open 10004217)",
            theme.style(Role::Warning),
        )));
    }
    let sel = p.selected.min(items.len().saturating_sub(1));
    let first = sel.saturating_sub(rows.saturating_sub(1));
    for (i, it) in items.iter().enumerate().skip(first).take(rows) {
        let label = format!(" {:<20}", fit(&it.label.shown(), 20));
        let desc = fit(&it.desc.shown(), iw.saturating_sub(22));
        let (ls, ds) = if i == sel {
            (theme.style(Role::Selection), theme.style(Role::Selection))
        } else {
            (theme.style(Role::Key), theme.style(Role::Muted))
        };
        let pad = iw.saturating_sub(22 + unicode_width::UnicodeWidthStr::width(desc.as_str()));
        lines.push(Line::from(vec![
            Span::styled(label, ls),
            Span::styled(format!(" {desc}{}", " ".repeat(pad)), ds),
        ]));
    }
    Paragraph::new(lines)
        .style(theme.style(Role::Base))
        .render(inner, buf);
    let cx = inner.x + 2 + x;
    Some((cx.min(inner.right().saturating_sub(1)), inner.y))
}
