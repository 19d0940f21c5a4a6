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

use super::{Cmd, Cx, Pane, PaneId, PaneReply, Probe, own};
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
}

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

    /// Marks the selected alert reviewed (the list comes back without it).
    fn review_selected(&mut self, cx: &mut Cx) {
        let alert = self
            .alerts
            .as_ref()
            .filter(|_| self.show_alerts && !self.loading)
            .and_then(|l| l.get(self.scroll))
            .map(|x| x.id);
        let Some(alert) = alert else {
            cx.say(
                Level::Warning,
                "no alert selected: type :alerts in the Audit pane, choose one with j/k, then r",
            );
            return;
        };
        self.latest = cx.request(Req::Review { alert });
        self.loading = true;
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
            }
            Err(e) => {
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
