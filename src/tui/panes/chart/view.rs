//! Drawing the Chart pane: header with flags, demographics, encounters with their codes, the
//! documents list, and the document reader.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, List, ListItem, Paragraph, StatefulWidget, Widget, Wrap,
};

use super::{Chart as ChartPane, DocView};
use crate::domain::{Chart, Text};
use crate::text::shown_or;
use crate::domain::date::age_on;
use crate::tui::state::App;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::fit;

fn block<'a>(t: &Theme, title: String, focused: bool) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.style(if focused {
            Role::BorderFocused
        } else {
            Role::Border
        }))
        .title(Span::styled(title, t.style(Role::Title)))
}

pub fn render(c: &mut ChartPane, app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let Some(chart) = c.chart.take() else {
        let lines = match (&c.loading, &c.error) {
            (_, Some(e)) => vec![
                Line::from(Span::styled(
                    format!("The chart could not be opened: {e}"),
                    t.style(Role::Error),
                )),
                Line::from("Check the MRN, or find the patient in Patients (Alt-1)."),
            ],
            (Some(mrn), _) => vec![Line::from(format!(
                "Opening the chart of MRN {}…",
                Text::from(mrn.as_str())
            ))],
            _ => vec![Line::from(
                "No chart is open. Find a patient in Patients (Alt-1) and press Enter.",
            )],
        };
        return Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(block(t, " Chart ".into(), false))
            .render(area, buf);
    };
    with_chart(&chart, app, c, area, buf);
    c.chart = Some(chart);
}

fn with_chart(chart: &Chart, app: &App, c: &mut ChartPane, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let [head, body] = Layout::vertical([Constraint::Length(4), Constraint::Min(0)]).areas(area);
    header(chart, app, head, buf);
    if let Some(dv) = &mut c.doc {
        return document(dv, t, body, buf);
    }
    let wide = body.width >= 100;
    let (details, docs) = if wide {
        let [a, b] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(body);
        (a, b)
    } else {
        let n = chart.documents.len() as u16;
        let [a, b] = Layout::vertical([
            Constraint::Min(4),
            Constraint::Length((n + 2).clamp(3, (body.height / 3).max(3))),
        ])
        .areas(body);
        (a, b)
    };
    let lines = detail_lines(chart, t);
    let max = (lines.len() as u16).saturating_sub(details.height.saturating_sub(2));
    let scroll = c.scroll.min(max);
    c.scroll = scroll;
    let more = if max > 0 { " J/K scroll " } else { "" };
    Paragraph::new(lines)
        .block(
            block(t, " Demographics & encounters ".into(), false)
                .title_bottom(Line::from(more).right_aligned()),
        )
        .style(t.style(Role::Base))
        .scroll((scroll, 0))
        .render(details, buf);
    let width = docs.width.saturating_sub(4) as usize;
    let items: Vec<ListItem> = chart
        .documents
        .iter()
        .map(|d| {
            let status = if d.status == "signed" {
                String::new()
            } else {
                format!(" [{}]", d.status.shown())
            };
            let s = format!(
                "{} {}{}",
                d.service_date.head(10),
                d.title.shown(),
                status
            );
            ListItem::new(fit(&s, width))
        })
        .collect();
    let title = format!(" Documents ({}) ", chart.documents.len());
    if items.is_empty() {
        return Paragraph::new("No documents on file.")
            .block(block(t, title, true))
            .render(docs, buf);
    }
    c.page = docs.height.saturating_sub(2).max(1);
    let list = List::new(items)
        .block(block(t, title, true))
        .style(t.style(Role::Base))
        .highlight_style(t.style(Role::Selection))
        .highlight_symbol("▶ ");
    StatefulWidget::render(list, docs, buf, &mut c.docs);
}

fn header(chart: &Chart, app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let p = &chart.patient;
    let age = age_on(p.dob, app.today);
    let l1 = Line::from(vec![
        Span::styled(p.display_name().to_string(), t.style(Role::Accent)),
        Span::raw("   MRN "),
        Span::styled(p.mrn.to_string(), t.style(Role::Key)),
        Span::raw(format!(
            "   DOB {} ({age})   Sex {}",
            p.dob.format("%Y-%m-%d"),
            p.sex
        )),
    ]);
    let mut flags: Vec<Span> = Vec::new();
    let mut flag = |s: String, r: Role| {
        flags.push(Span::styled(s, t.style(r)));
        flags.push(Span::raw(" "));
    };
    if p.flags.restricted {
        flag("RESTRICTED".into(), Role::Restricted);
    }
    if p.flags.deceased {
        flag("DECEASED".into(), Role::Flagged);
    }
    if let Some(m) = &p.merged_into {
        flag(format!("MERGED into {m}"), Role::Flagged);
    }
    if p.flags.employee {
        flag("EMPLOYEE".into(), Role::Warning);
    }
    if p.flags.part2 {
        flag("42 CFR PART 2".into(), Role::Restricted);
    }
    if flags.is_empty() {
        flags.push(Span::styled("no flags", t.style(Role::Muted)));
    }
    Paragraph::new(vec![l1, Line::from(flags)])
        .block(block(t, " Chart (read-only) ".into(), false))
        .render(area, buf);
}

fn detail_lines(chart: &Chart, t: &Theme) -> Vec<Line<'static>> {
    let p = &chart.patient;
    let h = |s: &str| Line::from(Span::styled(s.to_string(), t.style(Role::Header)));
    let opt = |o: &Option<Text>| shown_or(o, "").into_owned();
    let mut out = vec![h("Demographics")];
    let addr = [
        opt(&p.address),
        opt(&p.city),
        opt(&p.state),
        opt(&p.postal_code),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    out.push(Line::from(format!(
        "  Address  {}",
        if addr.is_empty() { "-".into() } else { addr }
    )));
    out.push(Line::from(format!(
        "  Phone    {}",
        p.phone
            .as_ref()
            .map(|x| x.to_string())
            .unwrap_or_else(|| "-".into())
    )));
    let ssn = chart.ssn_shown.clone().unwrap_or_default();
    out.push(Line::from(format!(
        "  SSN      {}",
        if ssn.is_empty() { "-" } else { &ssn }
    )));
    for n in &p.previous_names {
        out.push(Line::from(format!(
            "  {:<8} {}, {}",
            n.kind.shown(),
            n.family.shown(),
            n.given.shown()
        )));
    }
    out.push(Line::from(""));
    out.push(h(&format!("Encounters ({})", chart.encounters.len())));
    if chart.encounters.is_empty() {
        out.push(Line::from(Span::styled(
            "  none on file",
            t.style(Role::Muted),
        )));
    }
    for e in &chart.encounters {
        let d = |s: &Text| s.head(10).to_string();
        let dis = e
            .discharge_at
            .as_ref()
            .map(d)
            .unwrap_or_else(|| "(in house)".into());
        out.push(Line::from(vec![
            Span::styled(
                format!("  {} → {} ", d(&e.admit_at), dis),
                t.style(Role::Accent),
            ),
            Span::raw(format!(
                "{} · acct {}",
                e.kind.shown(),
                e.account_number.shown()
            )),
            Span::styled(
                format!(" [{}]", e.coding_status.shown()),
                t.style(Role::Muted),
            ),
        ]));
        let who = [opt(&e.service), opt(&e.attending), opt(&e.disposition)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        if !who.is_empty() {
            out.push(Line::from(Span::styled(
                format!("    {who}"),
                t.style(Role::Muted),
            )));
        }
        for x in &e.diagnoses {
            let poa = x
                .poa
                .as_ref()
                .map(|p| format!(" POA {p}"))
                .unwrap_or_default();
            out.push(Line::from(format!(
                "    Dx{} {} {}{}",
                x.sequence,
                x.code.shown(),
                shown_or(&x.description, ""),
                poa
            )));
        }
        for x in &e.procedures {
            out.push(Line::from(format!(
                "    Px{} {} {}",
                x.sequence,
                x.code.shown(),
                shown_or(&x.description, "")
            )));
        }
    }
    out
}

fn document(dv: &mut DocView, t: &Theme, area: Rect, buf: &mut Buffer) {
    let Some(doc) = &dv.doc else {
        let msg = match &dv.error {
            Some(e) => Line::from(Span::styled(
                format!("The document could not be opened: {e}"),
                t.style(Role::Error),
            )),
            None => Line::from("Opening the document…"),
        };
        return Paragraph::new(msg)
            .block(block(t, " Document ".into(), true))
            .render(area, buf);
    };
    let s = &doc.summary;
    let inner_h = area.height.saturating_sub(3) as usize;
    let max = dv.lines.len().saturating_sub(inner_h);
    let scroll = dv.scroll.min(max);
    dv.scroll = scroll;
    let mut meta = vec![Span::styled(
        format!(
            "{} · {} · {} · {}",
            s.doc_type.shown(),
            s.service_date.head(10),
            shown_or(&s.author, "author unknown"),
            s.status.shown()
        ),
        t.style(Role::Muted),
    )];
    if s.part2 {
        meta.push(Span::styled(
            "  42 CFR Part 2: no redisclosure",
            t.style(Role::Restricted),
        ));
    }
    if s.psychotherapy {
        meta.push(Span::styled(
            "  psychotherapy note",
            t.style(Role::Restricted),
        ));
    }
    let mut lines = vec![Line::from(meta)];
    lines.extend(
        dv.lines
            .iter()
            .skip(scroll)
            .take(inner_h)
            .map(|l| Line::from(l.clone())),
    );
    let pos = format!(
        " line {} of {} · Esc back ",
        (scroll + 1).min(dv.lines.len()),
        dv.lines.len()
    );
    Paragraph::new(lines)
        .block(
            block(t, format!(" {} ", s.title.shown()), true)
                .title_bottom(Line::from(pos).right_aligned()),
        )
        .style(t.style(Role::Base))
        .wrap(Wrap { trim: false })
        .render(area, buf);
}
