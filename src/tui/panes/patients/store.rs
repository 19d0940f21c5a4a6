//! What the Patients pane asks the store, and the one place it calls the service (on the
//! store worker thread).

use super::SEARCH_LIMIT;
use crate::service::{Conn, Found, ServiceError};
use crate::tui::panes::StoreReq;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Req {
    /// Patients matching what was typed (name, date of birth, MRN, phone, SSN last 4).
    Search { query: String },
}

#[derive(Debug)]
pub enum Reply {
    Found(Vec<Found>),
}

impl StoreReq for Req {
    type Reply = Reply;

    fn serve(&self, svc: &mut Conn) -> Result<Reply, ServiceError> {
        match self {
            Req::Search { query } => svc.find(query, SEARCH_LIMIT).map(Reply::Found),
        }
    }

    /// A search overtaken by a newer one is never run.
    fn coalesce_key(&self) -> Option<&'static str> {
        match self {
            Req::Search { .. } => Some("search"),
        }
    }
}
