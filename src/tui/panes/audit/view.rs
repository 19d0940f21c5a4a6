//! Drawing the Audit pane: a report (who looked at a record, or what one user did) or the
//! privacy alerts, the selected one highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Cell, HighlightSpacing, Paragraph, Row, StatefulWidget, Table, TableState,
    Widget, Wrap,
};

use super::Audit;
use crate::domain::Permission;
use crate::text::shown_or;
use crate::tui::action::{Action, PaneId};
use crate::tui::keymap::Mode;
use crate::tui::state::App;
use crate::tui::theme::{Role, Theme};
use crate::domain::Text;
use crate::tui::widgets::{fit, kinds_words};

fn message(t: &Theme, title: String, lines: Vec<Line<'static>>, area: Rect, buf: &mut Buffer) {
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(t.style(Role::Border))
                .title(Span::styled(title, t.style(Role::Title))),
        )
        .render(area, buf);
}

pub fn render(a: &mut Audit, app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    if !app.may(Permission::ReadAudit) {
        let lines = vec![
            Line::from(Span::styled(
                "your role may not read the audit trail",
                t.style(Role::Warning),
            )),
            Line::from(Span::styled(
                "(auditors, privacy officers and administrators may)",
                t.style(Role::Muted),
            )),
        ];
        return message(t, " Audit ".into(), lines, area, buf);
    }
    if a.show_alerts && render_alerts(a, app, area, buf).is_some() {
        return;
    }
    let title = match (&a.mrn, &a.user) {
        _ if a.show_alerts => " Audit · privacy alerts waiting for review ".into(),
        (_, Some(u)) => user_title(u),
        (Some(m), _) => format!(" Audit · who looked at MRN {} ", Text::from(m.as_str())),
        (None, None) => " Audit · who looked at this record ".into(),
    };
    let Some(report) = a.report.as_ref().filter(|_| !a.show_alerts) else {
        let line = match (&a.error, a.loading, &a.mrn) {
            (Some(e), _, _) => Line::from(Span::styled(
                format!("The audit trail could not be read: {e}"),
                t.style(Role::Error),
            )),
            (None, true, _) => Line::from(Span::styled("Reading…", t.style(Role::Muted))),
            _ if a.show_alerts => Line::from("No open privacy alerts: nothing waits for review."),
            _ => Line::from(
                "Open a chart (Patients, Enter) to see who looked at it, or type :audit MRN, \
                 :audit-user NAME (what a user did) or :alerts (the privacy queue).",
            ),
        };
        return message(t, title, vec![line], area, buf);
    };
    if report.entries.is_empty() {
        let line = Line::from(if a.user.is_some() {
            "No audit rows for this user."
        } else {
            "No audit rows for this record."
        });
        return message(t, title, vec![line], area, buf);
    }
    let n = report.entries.len();
    let [table_area, detail_area] = split_detail(area);
    let inner_h = table_area.height.saturating_sub(3) as usize;
    let page = (inner_h as u16).max(1);
    let sel = a.scroll.min(n - 1);
    let top = (sel + 1).saturating_sub(inner_h.max(1));
    // One user's activity: the second column says what they touched, not who they are.
    let by_user = a.user.is_some();
    let who_w: u16 = if by_user { 18 } else { 14 };
    let origin_w = table_area.width.saturating_sub(2 + 2 + 20 + who_w + 16 + 9 + 4) as usize;
    let rows: Vec<Row> = report
        .entries
        .iter()
        .map(|e| {
            let at = e.at.head(19).to_string().replace('T', " ");
            let shown = fit(&e.outcome.shown(), 8);
            let outcome = if e.outcome == "ok" {
                Cell::from(shown)
            } else {
                Cell::from(Span::styled(shown, t.style(Role::Warning)))
            };
            let origin = shown_or(&e.origin, "");
            Row::new(vec![
                Cell::from(at),
                Cell::from(if by_user {
                    fit(&shown_or(&e.object, ""), 18)
                } else {
                    fit(&e.username.shown(), 14)
                }),
                Cell::from(fit(&e.action.shown(), 16)),
                outcome,
                Cell::from(fit(&origin, origin_w.max(4))),
            ])
        })
        .collect();
    let who = if by_user { "Object" } else { "User" };
    let header =
        Row::new(["At (UTC)", who, "Action", "Outcome", "Origin"]).style(t.style(Role::Header));
    let more = format!(" row {} of {n} · j/k choose · the detail is below ", sel + 1);
    let widths = [
        Constraint::Length(19),
        Constraint::Length(who_w),
        Constraint::Length(16),
        Constraint::Length(8),
        Constraint::Fill(1),
    ];
    let mut ts = TableState::default().with_offset(top).with_selected(Some(sel));
    let table = Table::new(rows, widths)
        .header(header)
        .style(t.style(Role::Base))
        .row_highlight_style(t.style(Role::Selection))
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always)
        .block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(t.style(Role::BorderFocused))
                .title(Span::styled(fit(&title, area.width as usize - 4), t.style(Role::Title)))
                .title_bottom(Line::from(fit(&more, area.width as usize - 4)).right_aligned()),
        );
    StatefulWidget::render(table, table_area, buf, &mut ts);
    let e = &report.entries[sel];
    let mut facts = vec![
        format!("row {}", e.id),
        e.at.to_string(),
        match &e.os_login {
            Some(l) => format!("{} (login {l})", e.username),
            None => e.username.to_string(),
        },
        e.action.to_string(),
        format!("outcome {}", e.outcome),
    ];
    facts.extend(e.object.as_ref().map(|o| format!("record {o}")));
    facts.extend(e.origin.as_ref().map(|o| format!("from {o}")));
    facts.extend(e.detail.as_ref().map(|d| d.to_string()));
    detail(t, " Selected row ", facts.join(" · "), detail_area, buf);
    a.page = page;
    a.scroll = sel;
}

/// The table above, a detail panel of up to 4 lines below (the selected row in full).
fn split_detail(area: Rect) -> [Rect; 2] {
    let h = if area.height >= 14 { 5 } else { 3 };
    Layout::vertical([Constraint::Min(4), Constraint::Length(h)]).areas(area)
}

/// The detail panel: the whole text, wrapped.
fn detail(t: &Theme, title: &str, text: String, area: Rect, buf: &mut Buffer) {
    Paragraph::new(Line::from(Span::styled(text, t.style(Role::Base))))
        .wrap(Wrap { trim: true })
        .block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(t.style(Role::Border))
                .title(Span::styled(title.to_string(), t.style(Role::Title))),
        )
        .render(area, buf);
}

/// The pane's title for the user view.
fn user_title(name: &str) -> String {
    format!(" Audit · activity of user {} ", Text::from(name))
}

/// Draws the alerts (open first, the selected one highlighted, its detail in full below).
/// None when there is nothing to list yet.
fn render_alerts(a: &mut Audit, app: &App, area: Rect, buf: &mut Buffer) -> Option<()> {
    let t = &app.theme;
    let list = a.alerts.as_ref().filter(|l| !l.is_empty())?;
    let n = list.len();
    let open = list.iter().filter(|x| x.reviewed_at.is_none()).count();
    let [table_area, detail_area] = split_detail(area);
    let inner_h = table_area.height.saturating_sub(3) as usize;
    let page = (inner_h as u16).max(1);
    let sel = a.scroll.min(n - 1);
    let top = (sel + 1).saturating_sub(inner_h.max(1));
    let reason_w = table_area
        .width
        .saturating_sub(2 + 2 + 19 + 12 + 10 + 18 + 10 + 5) as usize;
    let rows: Vec<Row> = list
        .iter()
        .map(|al| {
            let at = al.at.head(19).to_string().replace('T', " ");
            let reviewed = match &al.reviewed_at {
                Some(r) => r.head(10).to_string(),
                None => "no".into(),
            };
            Row::new(vec![
                Cell::from(at),
                Cell::from(fit(&al.username.shown(), 12)),
                Cell::from(al.mrn.shown().into_owned()),
                Cell::from(fit(&kinds_words(&al.kinds.shown()), 18)),
                Cell::from(fit(&al.reason.shown(), reason_w.max(4))),
                Cell::from(reviewed),
            ])
        })
        .collect();
    let header = Row::new(["At (UTC)", "User", "MRN", "Record", "Reason", "Reviewed"])
        .style(t.style(Role::Header));
    let widths = [
        Constraint::Length(19),
        Constraint::Length(12),
        Constraint::Length(10),
        Constraint::Length(18),
        Constraint::Fill(1),
        Constraint::Length(10),
    ];
    let key = |act| {
        app.keymap
            .hint(Mode::Normal, PaneId::Audit, act)
            .unwrap_or_else(|| "?".into())
    };
    let bottom = format!(
        " j/k choose · {} marks it reviewed · {} opens it again ",
        key(Action::ReviewAlert),
        key(Action::UnreviewAlert)
    );
    let title = format!(" Audit · privacy alerts · {open} open, {} reviewed ", n - open);
    let room = area.width.saturating_sub(4) as usize;
    let mut table_state = TableState::default()
        .with_offset(top)
        .with_selected(Some(sel));
    let table = Table::new(rows, widths)
        .header(header)
        .style(t.style(Role::Base))
        .row_highlight_style(t.style(Role::Selection))
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always)
        .block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(t.style(Role::BorderFocused))
                .title(Span::styled(fit(&title, room), t.style(Role::Title)))
                .title_bottom(Line::from(fit(&bottom, room)).right_aligned()),
        );
    StatefulWidget::render(table, table_area, buf, &mut table_state);
    let al = &list[sel];
    let mut text = format!(
        "alert {} · {} · {} opened MRN {} ({}) · reason: {}",
        al.id,
        al.at,
        al.username,
        al.mrn,
        kinds_words(&al.kinds.shown()),
        al.reason
    );
    match (&al.reviewed_at, &al.reviewed_by) {
        (Some(at), Some(by)) => text.push_str(&format!(" · reviewed by {by} at {at}")),
        (Some(at), None) => text.push_str(&format!(" · reviewed at {at}")),
        _ => text.push_str(" · not reviewed yet"),
    }
    detail(t, " Selected alert ", text, detail_area, buf);
    a.page = page;
    a.scroll = sel;
    Some(())
}
