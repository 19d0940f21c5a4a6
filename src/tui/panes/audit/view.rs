//! The Audit pane's other two views: one user's activity (`:audit-user NAME`) and the privacy
//! officer's queue of alerts (`:alerts`; `r` marks the selected one reviewed). Requests go to the store worker;
//! the service checks the role (a refused request comes back with its message and is audited).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Cell, HighlightSpacing, Row, StatefulWidget, Table, TableState,
};

use super::action::{Action, Pane};
use super::keymap::Mode;
use super::palette::Command;
use super::panes;
use super::state::{Effect, Level, Req, State};
use super::theme::Role;
use super::widgets::{fit, safe};

/// Runs an Audit pane command from the palette.
pub fn run(state: &mut State, c: Command, fx: &mut Vec<Effect>) {
    state.pane = Pane::Audit;
    match c {
        Command::Audit(mrn) => panes::audit::request(state, mrn, fx),
        Command::AuditUser(name) => request_user(state, name, fx),
        Command::Alerts => request_alerts(state, fx),
        _ => {}
    }
}

/// Starts a request for the pane, forgetting what it showed.
fn start(state: &mut State) -> u64 {
    let id = state.next_id();
    let a = &mut state.audit;
    a.latest = id;
    a.loading = true;
    a.mrn = None;
    a.user = None;
    a.show_alerts = false;
    a.report = None;
    a.alerts = None;
    a.error = None;
    a.scroll = 0;
    id
}

/// Asks for what `name` did.
pub fn request_user(state: &mut State, name: String, fx: &mut Vec<Effect>) {
    let id = start(state);
    state.audit.user = Some(name.clone());
    fx.push(Effect::Request(Req::AuditUser { id, name }));
}

/// Asks for the open privacy alerts.
pub fn request_alerts(state: &mut State, fx: &mut Vec<Effect>) {
    let id = start(state);
    state.audit.show_alerts = true;
    fx.push(Effect::Request(Req::Alerts { id }));
}

/// Marks the selected alert reviewed (the list comes back without it).
pub fn review_selected(state: &mut State, fx: &mut Vec<Effect>) {
    let a = &state.audit;
    let alert = a
        .alerts
        .as_ref()
        .filter(|_| a.show_alerts && !a.loading)
        .and_then(|l| l.get(a.scroll))
        .map(|x| x.id);
    let Some(alert) = alert else {
        state.say(
            Level::Warning,
            "no alert selected: type :alerts in the Audit pane, choose one with j/k, then r",
        );
        return;
    };
    let id = state.next_id();
    state.audit.latest = id;
    state.audit.loading = true;
    fx.push(Effect::Request(Req::ReviewAlert { id, alert }));
}

/// The pane's title for the user view.
pub fn user_title(name: &str) -> String {
    format!(" Audit · activity of user {} ", safe(name))
}

/// Draws the alerts (the selected one highlighted). None when there is nothing to list yet.
pub fn render_alerts(state: &mut State, area: Rect, buf: &mut Buffer) -> Option<()> {
    let t = state.theme.clone();
    let list = state.audit.alerts.as_ref().filter(|l| !l.is_empty())?;
    let n = list.len();
    let inner_h = area.height.saturating_sub(3) as usize;
    state.page = (inner_h as u16).max(1);
    let sel = state.audit.scroll.min(n - 1);
    let top = (sel + 1).saturating_sub(inner_h.max(1));
    let reason_w = area
        .width
        .saturating_sub(2 + 2 + 19 + 12 + 10 + 18 + 10 + 5) as usize;
    let rows: Vec<Row> = list
        .iter()
        .map(|al| {
            let at = safe(al.at.get(..19).unwrap_or(&al.at)).replace('T', " ");
            let reviewed = match &al.reviewed_at {
                Some(r) => safe(r.get(..10).unwrap_or(r)).into_owned(),
                None => "no".into(),
            };
            Row::new(vec![
                Cell::from(at),
                Cell::from(fit(&safe(&al.username), 12)),
                Cell::from(fit(&safe(&al.mrn), 10)),
                Cell::from(fit(&safe(&al.kinds), 18)),
                Cell::from(fit(&safe(&al.reason), reason_w.max(4))),
                Cell::from(reviewed),
            ])
        })
        .collect();
    let header = Row::new(["At (UTC)", "User", "MRN", "Kinds", "Reason", "Reviewed"])
        .style(t.style(Role::Header));
    let widths = [
        Constraint::Length(19),
        Constraint::Length(12),
        Constraint::Length(10),
        Constraint::Length(18),
        Constraint::Fill(1),
        Constraint::Length(10),
    ];
    let key = state
        .keymap
        .hint(Mode::Normal, Action::ReviewAlert)
        .unwrap_or_else(|| ":review_alert".into());
    let bottom = format!(" {n} open · j/k choose · {key} marks it reviewed ");
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
                .title(Span::styled(
                    " Audit · privacy alerts waiting for review ",
                    t.style(Role::Title),
                ))
                .title_bottom(Line::from(bottom).right_aligned()),
        );
    StatefulWidget::render(table, area, buf, &mut table_state);
    state.audit.scroll = sel;
    Some(())
}
