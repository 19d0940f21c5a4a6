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
    /// The open privacy alerts.
    Alerts,
    /// Marks an alert reviewed; the reply is the open alerts that remain.
    Review { alert: i64 },
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
            Req::Alerts => svc.privacy_alerts(true).map(Reply::Alerts),
            Req::Review { alert } => svc
                .review_alert(*alert)
                .and_then(|_| svc.privacy_alerts(true))
                .map(Reply::Alerts),
        }
    }
}
