//! Drawing the Patients pane: the search box and the results table.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Cell, Paragraph, Row, StatefulWidget, Table, Widget, Wrap,
};

use super::{Patients, SearchStatus};
use crate::domain::date::age_on;
use crate::text::shown_or;
use crate::tui::state::App;
use crate::tui::theme::{Role, Theme};
use crate::domain::Text;
use crate::search::Total;
use crate::tui::widgets::fit;

/// Draws the pane; returns where the text cursor goes while typing.
pub fn render(ps: &mut Patients, app: &App, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
    let [search, results] =
        Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(area);
    let cursor = search_box(ps, &app.theme, search, buf);
    results_table(ps, app, results, buf);
    cursor
}

fn search_box(ps: &Patients, t: &Theme, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
    // Search-first: the box has the keyboard whenever the pane is on screen.
    let focused = true;
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.style(Role::BorderFocused))
        .title(Span::styled(" Find a patient ", t.style(Role::Title)))
        .title_bottom(
            Line::from(Span::styled(
                " name · DOB · MRN · phone · SSN last 4 ",
                t.style(Role::Muted),
            ))
            .right_aligned(),
        );
    let inner = block.inner(area);
    block.render(area, buf);
    let width = inner.width.saturating_sub(1) as usize;
    let (shown, x) = ps.query.view(width);
    let line = Line::from(Span::styled(shown, t.style(Role::Input)));
    Paragraph::new(line).render(inner, buf);
    let cx = inner.x + x;
    (focused && inner.width > 0 && inner.height > 0)
        .then_some((cx.min(inner.right().saturating_sub(1)), inner.y))
}

fn message(t: &Theme, area: Rect, buf: &mut Buffer, title: &str, lines: Vec<Line<'static>>) {
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.style(Role::Border))
        .title(Span::styled(format!(" {title} "), t.style(Role::Title)));
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(block)
        .render(area, buf);
}

fn results_table(ps: &mut Patients, app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    if let Some(e) = &app.store_error {
        let lines = vec![
            Line::from(Span::styled(
                format!("The store could not be opened: {e}"),
                t.style(Role::Error),
            )),
            Line::from(""),
            Line::from("Check the path (--db or CHARTROOM_DB), then start chartroom again."),
        ];
        return message(t, area, buf, "Results", lines);
    }
    let query = ps.query.text();
    if ps.results.is_empty() || query.trim().is_empty() {
        let lines = match &ps.status {
            SearchStatus::Failed(e) => vec![
                Line::from(Span::styled(
                    format!("The search failed: {e}"),
                    t.style(Role::Error),
                )),
                Line::from("Try again; if it keeps failing, tell your administrator."),
            ],
            SearchStatus::Searching => {
                vec![Line::from(Span::styled("Searching…", t.style(Role::Muted)))]
            }
            SearchStatus::Done if !query.trim().is_empty() => vec![
                Line::from(Span::styled(
                    format!(
                        "No patient matches \"{}\".",
                        Text::from(ps.shown_query.as_str())
                    ),
                    t.style(Role::Warning),
                )),
                Line::from(""),
                Line::from(no_match_advice(&ps.shown_query)),
            ],
            _ => vec![
                Line::from(
                    "Type a name (typos are fine), a date of birth (3/14/70, 14 Mar 1970, 1970),",
                ),
                Line::from(
                    "an MRN, a phone number or the last 4 of the SSN. Results appear as you type.",
                ),
                Line::from(""),
                Line::from(Span::styled(
                    "↓/↑ choose · Enter opens the chart · Tab or Alt-2…Alt-6 go to another pane",
                    t.style(Role::Muted),
                )),
            ],
        };
        return message(t, area, buf, "Results", lines);
    }
    let (title, more) = titles(ps);
    let room = area.width.saturating_sub(4) as usize;
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.style(Role::Border))
        .title(Span::styled(fit(&title, room), t.style(Role::Title)));
    if let Some(m) = more {
        block = block.title_bottom(Line::from(fit(&m, room)).right_aligned());
    }
    let header = Row::new(["MRN", "Name", "Born (age)", "Sex", "SSN", "Last visit"])
        .style(t.style(Role::Header));
    let today = app.today;
    let rows: Vec<Row> = ps
        .results
        .iter()
        .map(|f| {
            let r = &f.row;
            let mut name = format!("{}, {}", r.family.shown(), r.given.shown());
            if let Some(m) = &r.middle {
                name.push(' ');
                name.push_str(&m.shown());
            }
            let born = match r.birth_date() {
                Some(d) => format!("{} ({})", d.format("%Y-%m-%d"), age_on(d, today)),
                None => r.dob.shown().into_owned(),
            };
            let mut flags = Vec::new();
            if r.restricted {
                flags.push(Span::styled("R ", t.style(Role::Restricted)));
            }
            if r.deceased {
                flags.push(Span::styled("† ", t.style(Role::Flagged)));
            }
            flags.push(Span::raw(name));
            Row::new(vec![
                Cell::from(r.mrn.shown().into_owned()),
                Cell::from(Line::from(flags)),
                Cell::from(born),
                Cell::from(r.sex.shown().into_owned()),
                Cell::from(shown_or(&r.ssn_last4, "-").into_owned()),
                Cell::from(
                    r.last_encounter
                        .as_ref()
                        .map(|s| s.head(10).to_string())
                        .unwrap_or_else(|| "-".into()),
                ),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(10),
        Constraint::Fill(1),
        Constraint::Length(16),
        Constraint::Length(3),
        Constraint::Length(4),
        Constraint::Length(10),
    ];
    ps.page = area.height.saturating_sub(3).max(1);
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .style(t.style(Role::Base))
        .row_highlight_style(t.style(Role::Selection))
        .highlight_symbol("▶ ")
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    StatefulWidget::render(table, area, buf, &mut ps.table);
}

/// The table's title ("132 patients", "first 50 of 132 — add a birth date or a first name to
/// narrow") and, when more matched than are shown, how to see them.
pub fn titles(ps: &Patients) -> (String, Option<String>) {
    let n = ps.results.len();
    let all = matches!(ps.total, Total::Exact(t) if t <= n);
    if all {
        let t = if n == 1 {
            " 1 patient ".to_string()
        } else {
            format!(" {n} patients ")
        };
        return (t, None);
    }
    let title = format!(
        " first {n} of {} — add a birth date or a first name to narrow ",
        ps.total
    );
    let more = (n < super::MAX_ROWS).then(|| " ↓ past the last row shows 50 more ".to_string());
    (title, more)
}

/// The line under "No patient matches": which date could not be read, else the usual advice.
fn no_match_advice(query: &str) -> String {
    match crate::search::unread_date_hint(query) {
        Some(h) => format!("No patient matches, and {h}."),
        None => "Check the spelling, use fewer words, or search by date of birth (1970-03-14) or MRN."
            .into(),
    }
}
