//! What the Chart pane asks the store, and the one place it calls the service (on the store
//! worker thread). A restricted record is not an error here: it is a reply that asks for a
//! reason (break the glass).

use crate::domain::{Chart, Document};
use crate::service::{Access, Conn, ServiceError};
use crate::tui::panes::StoreReq;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Req {
    /// `reason`: given after the restricted-record warning (break the glass).
    Chart { mrn: String, reason: Option<String> },
    Document { doc_id: i64, reason: Option<String> },
}

#[derive(Debug)]
pub enum Reply {
    Chart(Box<Chart>),
    Document(Box<Document>),
    /// The record is restricted (`kinds`): it opens only with a reason.
    Restricted { kinds: String },
}

fn access(reason: &Option<String>) -> Access {
    match reason {
        Some(r) => Access::BreakGlass { reason: r.clone() },
        None => Access::Normal,
    }
}

impl StoreReq for Req {
    type Reply = Reply;

    fn serve(&self, svc: &mut Conn) -> Result<Reply, ServiceError> {
        let r = match self {
            Req::Chart { mrn, reason } => svc
                .show_with(mrn, &access(reason))
                .map(|c| Reply::Chart(Box::new(c))),
            Req::Document { doc_id, reason } => svc
                .open_document_with(*doc_id, &access(reason))
                .map(|d| Reply::Document(Box::new(d))),
        };
        match r {
            Err(ServiceError::Restricted { kinds }) => Ok(Reply::Restricted { kinds }),
            other => other,
        }
    }
}
