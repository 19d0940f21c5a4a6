//! The Audit pane: "who looked at this record", for roles that may read the audit trail.

use crate::tui::state::{Reply, State};

/// Takes the answer to the pane's own request; true when it was one.
pub fn on_reply(state: &mut State, id: u64, reply: &Result<Reply, String>) -> bool {
    if id != state.audit.latest || !state.audit.loading {
        return false;
    }
    let a = &mut state.audit;
    a.loading = false;
    a.scroll = 0;
    match reply {
        Ok(Reply::Audit(r)) => {
            a.report = Some((**r).clone());
            a.error = None;
        }
        Ok(_) => {}
        Err(e) => {
            a.report = None;
            a.error = Some(e.clone());
        }
    }
    state.dirty = true;
    true
}
