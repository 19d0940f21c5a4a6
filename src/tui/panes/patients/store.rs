//! What the Patients pane asks the store, and the one place it calls the service (on the
//! store worker thread). A search typed live is a `find_live`: the service writes one row
//! before the first results of a typing burst and one when the burst ends.

use crate::search::Total;
use crate::service::{Conn, Found, ServiceError};
use crate::tui::panes::StoreReq;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Req {
    /// Patients matching what was typed (name, date of birth, MRN, phone, SSN last 4): the
    /// best `limit` of them and how many matched.
    Search { query: String, limit: usize },
    /// The typing burst is over (the user left the box): its closing audit row.
    EndBurst,
}

#[derive(Debug)]
pub enum Reply {
    Found(Vec<Found>, Total),
    BurstEnded,
}

impl StoreReq for Req {
    type Reply = Reply;

    fn serve(&self, svc: &mut Conn) -> Result<Reply, ServiceError> {
        match self {
            Req::Search { query, limit } => svc
                .find_live(query, *limit)
                .map(|(rows, total)| Reply::Found(rows, total)),
            Req::EndBurst => svc.end_burst().map(|_| Reply::BurstEnded),
        }
    }

    /// A search overtaken by a newer one is never run.
    fn coalesce_key(&self) -> Option<&'static str> {
        match self {
            Req::Search { .. } => Some("search"),
            Req::EndBurst => None,
        }
    }
}
