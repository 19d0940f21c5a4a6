//! What the Audit pane asks the store, and the one place it calls the service (on the store
//! worker thread). The service checks that the user may read the audit trail, every time.

use crate::service::{AuditReport, Conn, PrivacyAlert, ServiceError};
use crate::tui::panes::StoreReq;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Req {
    /// Who looked at the record with this MRN.
    Patient { mrn: String },
    /// What one user did.
    User { name: String },
    /// The privacy alerts, open ones first (then those reviewed, newest first).
    Alerts,
    /// Marks an alert reviewed; the reply is the alerts again.
    Review { alert: i64 },
    /// Opens a reviewed alert again, with the reason; the reply is the alerts again.
    Unreview { alert: i64, reason: String },
}

#[derive(Debug)]
pub enum Reply {
    Report(Box<AuditReport>),
    Alerts(Vec<PrivacyAlert>),
}

impl StoreReq for Req {
    type Reply = Reply;

    fn serve(&self, svc: &mut Conn) -> Result<Reply, ServiceError> {
        match self {
            Req::Patient { mrn } => svc
                .audit_patient(mrn)
                .map(|r| Reply::Report(Box::new(r))),
            Req::User { name } => svc.audit_user(name).map(|r| Reply::Report(Box::new(r))),
            Req::Alerts => alerts(svc),
            Req::Review { alert } => svc.review_alert(*alert).and_then(|_| alerts(svc)),
            Req::Unreview { alert, reason } => svc
                .unreview_alert(*alert, reason)
                .and_then(|_| alerts(svc)),
        }
    }
}

/// Every alert, the open ones first (each part newest first, as the service lists them).
fn alerts(svc: &mut Conn) -> Result<Reply, ServiceError> {
    let mut all = svc.privacy_alerts(false)?;
    all.sort_by_key(|a| a.reviewed_at.is_some());
    Ok(Reply::Alerts(all))
}
