//! The store worker: a thread that owns its own `Service` (and so its own connection). The UI
//! sends requests with ids; replies come back as messages. Queued searches are coalesced:
//! only the newest one runs (the newest keystroke wins).

use std::sync::mpsc::{self, Receiver, Sender};

use std::time::Duration;

use crate::service::{Access, Clock, LoginInfo, Service, ServiceError};

use super::state::{Msg, Reply, Req, Session};
use super::update::SEARCH_LIMIT;

/// Runs one request against the service. Shared by the worker thread and the tests.
pub fn serve(svc: &mut Service, req: &Req) -> Result<Reply, String> {
    let access = |reason: &Option<String>| match reason {
        Some(r) => Access::BreakGlass { reason: r.clone() },
        None => Access::Normal,
    };
    let r = match req {
        Req::Search { query, .. } => svc.find(query, SEARCH_LIMIT).map(Reply::Found),
        Req::Chart { mrn, reason, .. } => svc
            .show_with(mrn, &access(reason))
            .map(|c| Reply::Chart(Box::new(c))),
        Req::Document { doc_id, reason, .. } => svc
            .open_document_with(*doc_id, &access(reason))
            .map(|d| Reply::Document(Box::new(d))),
        Req::Lock { .. } => svc.lock().map(|_| Reply::Done),
        Req::Unlock { password, .. } => svc.unlock(password.0.as_str()).map(|_| Reply::Done),
        Req::Audit { mrn, .. } => svc.audit_patient(mrn).map(|r| Reply::Audit(Box::new(r))),
        Req::AuditUser { name, .. } => svc.audit_user(name).map(|r| Reply::Audit(Box::new(r))),
        Req::Alerts { .. } => svc.privacy_alerts(true).map(Reply::Alerts),
        Req::ReviewAlert { alert, .. } => svc
            .review_alert(*alert)
            .and_then(|_| svc.privacy_alerts(true))
            .map(Reply::Alerts),
    };
    match r {
        Err(ServiceError::Restricted { kinds }) => Ok(Reply::Restricted { kinds }),
        other => other.map_err(|e| e.to_string()),
    }
}

/// Who is using which store, for the status bar.
pub fn session(svc: &Service) -> Session {
    let a = svc.actor();
    Session {
        user: a.user.username.to_string(),
        role: a.user.role.as_str().to_string(),
        store: svc.store_label(),
    }
}

/// Starts the screens session on an open service (the `login` audit row). A session whose
/// start cannot be recorded does not start (fail closed).
pub fn begin(svc: &mut Service) -> Result<(Session, LoginInfo), String> {
    let info = svc.login().map_err(|e| e.to_string())?;
    Ok((session(svc), info))
}

/// The UI's handle on the worker thread.
pub struct Worker {
    tx: Sender<Req>,
    done: Receiver<()>,
}

impl Worker {
    /// Opens the store on the worker thread (the first frame never waits for it).
    pub fn spawn(path: crate::store::Location, clock: Clock, out: Sender<Msg>) -> Worker {
        Worker::spawn_with(
            move || Service::open(&path, clock).map_err(|e| e.to_string()),
            out,
        )
    }

    /// Like `spawn`, with any way of opening the service.
    pub fn spawn_with<F>(open: F, out: Sender<Msg>) -> Worker
    where
        F: FnOnce() -> Result<Service, String> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel::<Req>();
        let (done_tx, done) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("store".into())
            .spawn(move || {
                let mut svc = start(open, &out);
                serve_all(svc.as_mut(), rx, out);
                // The session ends with its own audit row (the UI waits for it, briefly).
                if let Some(s) = svc.as_mut() {
                    let _ = s.logout();
                }
                let _ = done_tx.send(());
            })
            .expect("spawn the store worker");
        Worker { tx, done }
    }

    pub fn send(&self, req: Req) {
        let _ = self.tx.send(req);
    }

    /// Ends the session: the worker finishes what it has, writes the `logout` row and stops.
    /// Waits at most `wait` for it.
    pub fn shutdown(self, wait: Duration) {
        drop(self.tx);
        let _ = self.done.recv_timeout(wait);
    }
}

/// Opens the service and starts the session; tells the UI either way.
fn start<F>(open: F, out: &Sender<Msg>) -> Option<Service>
where
    F: FnOnce() -> Result<Service, String>,
{
    match open().and_then(|mut s| begin(&mut s).map(|b| (s, b))) {
        Ok((s, (session, info))) => {
            let _ = out.send(Msg::Ready(Ok(session)));
            let _ = out.send(Msg::LoggedIn(info));
            Some(s)
        }
        Err(e) => {
            let _ = out.send(Msg::Ready(Err(e)));
            None
        }
    }
}

fn serve_all(mut svc: Option<&mut Service>, rx: Receiver<Req>, out: Sender<Msg>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while let Ok(r) = rx.try_recv() {
            batch.push(r);
        }
        for req in coalesce(batch) {
            let reply = match svc.as_deref_mut() {
                Some(s) => serve(s, &req),
                None => Err("the store is not open".to_string()),
            };
            if out.send(Msg::Db(req.id(), reply)).is_err() {
                return;
            }
        }
    }
}

/// Keeps every request but the searches overtaken by a newer search.
pub fn coalesce(batch: Vec<Req>) -> Vec<Req> {
    let last_search = batch.iter().rposition(|r| matches!(r, Req::Search { .. }));
    batch
        .into_iter()
        .enumerate()
        .filter(|(i, r)| !matches!(r, Req::Search { .. }) || Some(*i) == last_search)
        .map(|(_, r)| r)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_search_survives() {
        let s = |id: u64| Req::Search {
            id,
            query: format!("q{id}"),
        };
        let c = Req::Chart {
            id: 9,
            mrn: "1".into(),
            reason: None,
        };
        let out = coalesce(vec![s(1), c.clone(), s(2), s(3)]);
        assert_eq!(out, vec![c, s(3)]);
    }
}
