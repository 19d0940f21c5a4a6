//! The Audit pane: "who looked at this record", for users the service lets read the audit
//! trail (auditors, privacy officers, administrators). It follows the chart that is open;
//! `:audit MRN` asks about any record, `:audit-user NAME` shows what one user did, and
//! `:alerts` the privacy officer's queue (`r` marks the selected alert reviewed). Other users
//! see one honest line. Reading it is itself audited; the service checks every request.

mod store;
mod view;

use crate::domain::Text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Ask, Cmd, Cx, Pane, PaneId, PaneReply, Probe, own};
use crate::tui::keymap::Mode;
use crate::tui::question::{Question, Then};
use crate::domain::Permission;
use crate::service::{AuditReport, PrivacyAlert};
use crate::tui::action::Action;
use crate::tui::palette::Command;
use crate::tui::state::{App, Level};

pub use store::{Reply, Req};

#[derive(Debug, Default)]
pub struct Audit {
    mrn: Option<String>,
    /// Set when the pane shows this user's activity (`:audit-user NAME`).
    user: Option<String>,
    /// True when the pane shows the privacy alerts (`:alerts`).
    show_alerts: bool,
    alerts: Option<Vec<PrivacyAlert>>,
    report: Option<AuditReport>,
    error: Option<Text>,
    loading: bool,
    latest: u64,
    /// The first row shown (a report) or the selected alert.
    scroll: usize,
    /// Rows last drawn (for page moves).
    page: u16,
    /// Said once the review (or its undoing) is written.
    done: Option<String>,
}

const REVIEW: &str = "review";
const UNREVIEW: &str = "unreview";

pub fn new() -> Audit {
    Audit {
        page: 10,
        ..Default::default()
    }
}

impl Audit {
    /// Starts a request, forgetting what the pane showed.
    fn start(&mut self, cx: &mut Cx, req: Req) {
        *self = Audit {
            page: self.page,
            loading: true,
            ..Default::default()
        };
        self.latest = cx.request(req);
        cx.redraw();
    }

    /// Asks about `mrn` (when the user may read the trail).
    fn request(&mut self, mrn: String, cx: &mut Cx) {
        if !cx.may(Permission::ReadAudit) {
            return;
        }
        self.start(cx, Req::Patient { mrn: mrn.clone() });
        self.mrn = Some(mrn);
    }

    fn request_user(&mut self, name: String, cx: &mut Cx) {
        self.start(cx, Req::User { name: name.clone() });
        self.user = Some(name);
    }

    fn request_alerts(&mut self, cx: &mut Cx) {
        self.start(cx, Req::Alerts);
        self.show_alerts = true;
    }

    /// Enter: asks again (new rows may have been written since).
    fn refresh(&mut self, cx: &mut Cx) {
        if let Some(name) = self.user.clone() {
            return self.request_user(name, cx);
        }
        if self.show_alerts {
            return self.request_alerts(cx);
        }
        if let Some(mrn) = self.mrn.clone().or_else(|| cx.record().map(str::to_string)) {
            self.request(mrn, cx);
        }
    }

    /// The selected alert, when the alerts are shown.
    fn selected_alert(&self, cx: &mut Cx, key: Action) -> Option<PrivacyAlert> {
        let a = self
            .alerts
            .as_ref()
            .filter(|_| self.show_alerts && !self.loading)
            .and_then(|l| l.get(self.scroll))
            .cloned();
        if a.is_none() {
            let k = cx
                .app
                .keymap
                .hint(Mode::Normal, PaneId::Audit, key)
                .unwrap_or_else(|| "r".into());
            cx.say(
                Level::Warning,
                format!("no alert selected: type :alerts in the Audit pane, choose one with j/k, then {k}"),
            );
        }
        a
    }

    /// Asks first, then marks the selected alert reviewed.
    fn review_selected(&mut self, cx: &mut Cx) {
        let Some(a) = self.selected_alert(cx, Action::ReviewAlert) else {
            return;
        };
        if let Some(by) = &a.reviewed_by {
            let u = cx
                .app
                .keymap
                .hint(Mode::Normal, PaneId::Audit, Action::UnreviewAlert)
                .unwrap_or_else(|| ":unreview alert".into());
            cx.say(
                Level::Info,
                format!("alert {} was reviewed by {by} already ({u} opens it again)", a.id),
            );
            return;
        }
        let text = format!(
            "Mark alert {} reviewed ({} opened MRN {})?",
            a.id, a.username, a.mrn
        );
        let cmd = Cmd::Yes {
            what: REVIEW,
            id: a.id,
            reason: None,
        };
        cx.ask(Ask::Question(Question::new(
            text,
            Then::Pane(cmd),
            format!("alert {} left open", a.id),
        )));
    }

    /// Asks for a reason, then opens the selected reviewed alert again.
    fn unreview_selected(&mut self, cx: &mut Cx) {
        let Some(a) = self.selected_alert(cx, Action::UnreviewAlert) else {
            return;
        };
        if a.reviewed_at.is_none() {
            cx.say(Level::Info, format!("alert {} is open (not reviewed yet)", a.id));
            return;
        }
        let text = format!("Open alert {} again (it was marked reviewed)?", a.id);
        let cmd = Cmd::Yes {
            what: UNREVIEW,
            id: a.id,
            reason: None,
        };
        cx.ask(Ask::Question(
            Question::new(text, Then::Pane(cmd), format!("alert {} stays reviewed", a.id))
                .with_reason(),
        ));
    }

    fn said_yes(&mut self, what: &str, alert: i64, reason: Option<String>, cx: &mut Cx) {
        let req = match (what, reason) {
            (REVIEW, _) => Req::Review { alert },
            (UNREVIEW, Some(reason)) => Req::Unreview { alert, reason },
            _ => return,
        };
        self.done = Some(match what {
            REVIEW => {
                let u = cx
                    .app
                    .keymap
                    .hint(Mode::Normal, PaneId::Audit, Action::UnreviewAlert)
                    .unwrap_or_else(|| ":unreview alert".into());
                format!("alert {alert} marked reviewed ({u} opens it again, with a reason)")
            }
            _ => format!("alert {alert} is open again; the reason is in the audit trail"),
        });
        self.latest = cx.request(req);
        self.loading = true;
        cx.redraw();
    }

    /// Rows in what is shown (for moving down the list).
    fn len(&self) -> usize {
        if self.show_alerts {
            return self.alerts.as_ref().map(Vec::len).unwrap_or(0);
        }
        self.report.as_ref().map(|r| r.entries.len()).unwrap_or(0)
    }
}

impl Pane for Audit {
    fn id(&self) -> PaneId {
        PaneId::Audit
    }

    fn act(&mut self, a: Action, cx: &mut Cx) -> bool {
        match a {
            Action::Open => self.refresh(cx),
            Action::ReviewAlert => self.review_selected(cx),
            Action::UnreviewAlert => self.unreview_selected(cx),
            Action::Move(step) => {
                self.scroll = step.apply(self.scroll, self.len(), self.page as usize)
            }
            _ => return false,
        }
        true
    }

    /// Asks about the open chart unless its report is shown (or on its way) already.
    fn enter(&mut self, cx: &mut Cx) {
        // Another view, or a request on its way (`:audit MRN` from another pane): keep it.
        if self.user.is_some() || self.show_alerts || self.loading {
            return;
        }
        let Some(mrn) = cx.record().map(str::to_string) else {
            return;
        };
        if self.mrn.as_deref() == Some(mrn.as_str()) && (self.loading || self.report.is_some()) {
            return;
        }
        self.request(mrn, cx);
    }

    fn command(&mut self, c: Cmd, cx: &mut Cx) {
        cx.show(PaneId::Audit);
        match c {
            Cmd::Palette(Command::Audit(mrn)) => self.request(mrn, cx),
            Cmd::Palette(Command::AuditUser(name)) => self.request_user(name, cx),
            Cmd::Palette(Command::Alerts) => self.request_alerts(cx),
            Cmd::Yes { what, id, reason } => self.said_yes(what, id, reason, cx),
            _ => {}
        }
    }

    fn reply(&mut self, id: u64, reply: Result<PaneReply, Text>, cx: &mut Cx) {
        if id != self.latest || !self.loading {
            return;
        }
        let Some(reply) = own::<Reply>(reply) else {
            return;
        };
        self.loading = false;
        match reply {
            Ok(Reply::Report(r)) => {
                self.scroll = 0;
                self.report = Some(*r);
                self.error = None;
            }
            Ok(Reply::Alerts(l)) => {
                self.scroll = self.scroll.min(l.len().saturating_sub(1));
                self.alerts = Some(l);
                self.error = None;
                if let Some(done) = self.done.take() {
                    cx.say(Level::Info, done);
                }
            }
            Err(e) => {
                self.done = None;
                if self.user.is_some() || self.show_alerts {
                    cx.say(Level::Error, e.clone());
                }
                self.error = Some(e);
            }
        }
        cx.redraw();
    }

    fn render(&mut self, app: &App, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
        view::render(self, app, area, buf);
        None
    }

    fn lock(&mut self) {
        *self = new();
    }

    fn probe(&self) -> Probe {
        Probe {
            rows: self.len(),
            selected: (self.len() > 0).then_some(self.scroll),
            selected_key: self
                .alerts
                .as_ref()
                .filter(|_| self.show_alerts)
                .and_then(|l| l.get(self.scroll))
                .map(|a| a.id.to_string()),
            subject: if self.show_alerts {
                self.alerts.as_ref().map(|_| "alerts".to_string())
            } else {
                self.report.as_ref().map(|r| r.subject.to_string())
            },
            busy: self.loading,
            error: self.error.clone(),
            ..Probe::default()
        }
    }
}
