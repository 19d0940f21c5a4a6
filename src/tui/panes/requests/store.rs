//! What the Requests pane asks the store: nothing yet. Its requests, their replies and the one
//! place its work calls the service go here.

use crate::service::{Conn, ServiceError};
use crate::tui::panes::StoreReq;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Req {}

#[derive(Debug)]
pub enum Reply {}

impl StoreReq for Req {
    type Reply = Reply;

    fn serve(&self, _svc: &mut Conn) -> Result<Reply, ServiceError> {
        match *self {}
    }
}
