//! The Audit pane: "who looked at this record", for roles that may read the audit trail
//! (auditor, privacy officer, administrator). It follows the chart that is open; `:audit MRN`
//! asks about any record. Other roles see one honest line. Reading it is itself audited.
//! `:audit-user NAME` and `:alerts` show a user's activity and the privacy alerts instead
//! (see `tui::audit_view`).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Paragraph, Row, Table, Widget, Wrap};

use crate::domain::{Permission, Role as UserRole, access};
use crate::tui::audit_view;
use crate::tui::state::{Effect, Level, Reply, Req, State};
use crate::tui::theme::Role;
use crate::tui::widgets::{fit, safe};

/// Whether the signed-in user's role may read the audit trail.
pub fn may_read(state: &State) -> bool {
    state
        .session
        .as_ref()
        .and_then(|s| UserRole::parse(&s.role))
        .is_some_and(|r| access::allows(r, Permission::ReadAudit))
}

/// The MRN of the chart that is open (or on its way).
fn open_mrn(state: &State) -> Option<String> {
    state
        .chart
        .chart
        .as_ref()
        .map(|c| c.patient.mrn.as_str().to_string())
        .or_else(|| state.chart.loading.clone())
}

/// The pane was entered: asks about the open chart unless its report is already shown.
pub fn enter(state: &mut State, fx: &mut Vec<Effect>) {
    if state.audit.user.is_some() || state.audit.show_alerts {
        return;
    }
    let Some(mrn) = open_mrn(state) else {
        return;
    };
    let a = &state.audit;
    if a.mrn.as_deref() == Some(mrn.as_str()) && (a.loading || a.report.is_some()) {
        return;
    }
    request(state, mrn, fx);
}

/// Enter in the pane: asks again (new rows may have been written since).
pub fn refresh(state: &mut State, fx: &mut Vec<Effect>) {
    if let Some(name) = state.audit.user.clone() {
        return audit_view::request_user(state, name, fx);
    }
    if state.audit.show_alerts {
        return audit_view::request_alerts(state, fx);
    }
    if let Some(mrn) = state.audit.mrn.clone().or_else(|| open_mrn(state)) {
        request(state, mrn, fx);
    }
}

/// Asks the worker for the report on `mrn` (when the role may read it).
pub fn request(state: &mut State, mrn: String, fx: &mut Vec<Effect>) {
    if !may_read(state) {
        return;
    }
    let id = state.next_id();
    let a = &mut state.audit;
    a.latest = id;
    a.loading = true;
    a.mrn = Some(mrn.clone());
    a.user = None;
    a.show_alerts = false;
    a.alerts = None;
    a.report = None;
    a.error = None;
    a.scroll = 0;
    fx.push(Effect::Request(Req::Audit { id, mrn }));
}

/// Takes the answer to the pane's own request; true when it was one.
pub fn on_reply(state: &mut State, id: u64, reply: &Result<Reply, String>) -> bool {
    if id != state.audit.latest || !state.audit.loading {
        return false;
    }
    let a = &mut state.audit;
    a.loading = false;
    match reply {
        Ok(Reply::Audit(r)) => {
            a.scroll = 0;
            a.report = Some((**r).clone());
            a.error = None;
        }
        Ok(Reply::Alerts(l)) => {
            a.scroll = a.scroll.min(l.len().saturating_sub(1));
            a.alerts = Some(l.clone());
            a.error = None;
        }
        Ok(_) => {}
        Err(e) => {
            let other_view = a.user.is_some() || a.show_alerts;
            a.error = Some(e.clone());
            if other_view {
                state.say(Level::Error, crate::text::sanitize(e).into_owned());
            }
        }
    }
    state.dirty = true;
    true
}

/// Rows in the report (for moving down the list).
pub fn len(state: &State) -> usize {
    if state.audit.show_alerts {
        return state.audit.alerts.as_ref().map(Vec::len).unwrap_or(0);
    }
    state
        .audit
        .report
        .as_ref()
        .map(|r| r.entries.len())
        .unwrap_or(0)
}

fn message(state: &State, title: String, lines: Vec<Line<'static>>, area: Rect, buf: &mut Buffer) {
    let t = &state.theme;
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

pub fn render(state: &mut State, area: Rect, buf: &mut Buffer) {
    let t = state.theme.clone();
    if !may_read(state) {
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
        return message(state, " Audit ".into(), lines, area, buf);
    }
    if state.audit.show_alerts && audit_view::render_alerts(state, area, buf).is_some() {
        return;
    }
    let a = &state.audit;
    let title = match (&a.mrn, &a.user) {
        _ if a.show_alerts => " Audit · privacy alerts waiting for review ".into(),
        (_, Some(u)) => audit_view::user_title(u),
        (Some(m), _) => format!(" Audit · who looked at MRN {} ", safe(m)),
        (None, None) => " Audit · who looked at this record ".into(),
    };
    let Some(report) = a.report.as_ref().filter(|_| !a.show_alerts) else {
        let line = match (&a.error, a.loading, &a.mrn) {
            (Some(e), _, _) => Line::from(Span::styled(
                format!("The audit trail could not be read: {}", safe(e)),
                t.style(Role::Error),
            )),
            (None, true, _) => Line::from(Span::styled("Reading…", t.style(Role::Muted))),
            _ if a.show_alerts => Line::from("No open privacy alerts: nothing waits for review."),
            _ => Line::from(
                "Open a chart (Patients, Enter) to see who looked at it, or type :audit MRN, \
                 :audit-user NAME (what a user did) or :alerts (the privacy queue).",
            ),
        };
        return message(state, title, vec![line], area, buf);
    };
    if report.entries.is_empty() {
        let line = Line::from(if a.user.is_some() {
            "No audit rows for this user."
        } else {
            "No audit rows for this record."
        });
        return message(state, title, vec![line], area, buf);
    }
    let n = report.entries.len();
    let inner_h = area.height.saturating_sub(3) as usize;
    state.page = (inner_h as u16).max(1);
    let scroll = a.scroll.min(n.saturating_sub(inner_h.max(1)));
    // One user's activity: the second column says what they touched, not who they are.
    let by_user = a.user.is_some();
    let who_w: u16 = if by_user { 18 } else { 14 };
    let origin_w = area.width.saturating_sub(2 + 20 + who_w + 16 + 9 + 4) as usize;
    let rows: Vec<Row> = report
        .entries
        .iter()
        .skip(scroll)
        .take(inner_h)
        .map(|e| {
            let at = safe(e.at.get(..19).unwrap_or(&e.at)).replace('T', " ");
            let outcome = if e.outcome == "ok" {
                Cell::from(safe(&e.outcome).into_owned())
            } else {
                Cell::from(Span::styled(
                    safe(&e.outcome).into_owned(),
                    t.style(Role::Warning),
                ))
            };
            let origin = e.origin.as_deref().map(safe).unwrap_or_default();
            Row::new(vec![
                Cell::from(at),
                Cell::from(if by_user {
                    fit(&safe(e.object.as_deref().unwrap_or("")), 18)
                } else {
                    fit(&safe(&e.username), 14)
                }),
                Cell::from(fit(&safe(&e.action), 16)),
                outcome,
                Cell::from(fit(&origin, origin_w.max(4))),
            ])
        })
        .collect();
    let who = if by_user { "Object" } else { "User" };
    let header =
        Row::new(["At (UTC)", who, "Action", "Outcome", "Origin"]).style(t.style(Role::Header));
    let more = if n > inner_h {
        format!(
            " rows {}–{} of {n} · j/k ",
            scroll + 1,
            (scroll + inner_h).min(n)
        )
    } else {
        format!(" {n} rows ")
    };
    let widths = [
        Constraint::Length(19),
        Constraint::Length(who_w),
        Constraint::Length(16),
        Constraint::Length(8),
        Constraint::Fill(1),
    ];
    Table::new(rows, widths)
        .header(header)
        .style(t.style(Role::Base))
        .block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(t.style(Role::BorderFocused))
                .title(Span::styled(title, t.style(Role::Title)))
                .title_bottom(Line::from(more).right_aligned()),
        )
        .render(area, buf);
    state.audit.scroll = scroll;
}
