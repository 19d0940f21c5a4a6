//! The workers: two threads, each with its own `Service` (and so its own connection). The
//! store lane serves short requests in order; the job lane runs long jobs one at a time,
//! with progress and cancel, so a long job never delays a search keystroke. The UI sends
//! requests with ids; replies come back as messages. Every call to the service from the
//! screens is in this file. The service is a [`Conn`]: in this process, or a records server
//! (`chartroom serve`) whose requests go over the connection; when that server stops
//! answering, the store lane says so, tries again every few seconds and says when it is
//! back; when the server ends the session (it expired), the screen locks and the password
//! signs in again.

use crate::domain::Text;
use std::collections::VecDeque;

use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use crate::service::{Clock, Conn, LoginInfo, RemoteError, ServiceError};

use super::state::{Job, Lane, Link, Msg, Reply, Req, Session};

/// Runs one request against the service. Shared by the worker thread and the tests. A
/// pane's own requests are served in its folder (`panes/<name>/store.rs`).
pub fn serve(svc: &mut Conn, req: &Req) -> Result<Reply, Text> {
    serve_typed(svc, req).map_err(|e| Text::from(e.to_string()))
}

fn serve_typed(svc: &mut Conn, req: &Req) -> Result<Reply, ServiceError> {
    match req {
        Req::Pane { req, .. } => req.serve(svc).map(Reply::Pane),
        Req::Lock { .. } => svc.lock().map(|_| Reply::Done),
        Req::Unlock { password, .. } => svc.unlock(password.0.as_str()).map(|_| Reply::Done),
        Req::Job { .. } | Req::CancelJob { .. } => {
            Err(ServiceError::Usage("long jobs run on the job lane".into()))
        }
    }
}

/// What an error says of the connection to a records server, if anything.
fn link_news(e: &ServiceError) -> Option<Link> {
    match e {
        ServiceError::Remote(r) if r.is_link_down() => Some(Link::Down(e.to_string().into())),
        ServiceError::Remote(RemoteError::Expired { addr }) => Some(Link::Expired(
            format!(
                "your session on the records server {addr} has expired: type your password to sign in again"
            )
            .into(),
        )),
        _ => None,
    }
}

/// How often the store lane tries a records server that stopped answering.
const RETRY: Duration = Duration::from_secs(3);

/// Whether to go on with a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Go,
    Stop,
}

/// Runs a job; `progress(done, total)` reports and says whether to go on. Shared by the
/// job lane and the tests.
pub fn run_job(
    _svc: &mut Conn,
    job: &Job,
    progress: &mut dyn FnMut(u64, u64) -> Flow,
) -> Result<Reply, Text> {
    match job {
        Job::Synthetic { steps, step_ms } => {
            for done in 0..*steps {
                if progress(done, *steps) == Flow::Stop {
                    return Ok(Reply::Cancelled);
                }
                std::thread::sleep(Duration::from_millis(*step_ms));
            }
            progress(*steps, *steps);
            Ok(Reply::Finished(format!("{steps} steps")))
        }
    }
}

/// Who is using which store, and what they may do, for the status bar and the panes.
pub fn session(svc: &Conn) -> Session {
    let a = svc.actor();
    Session {
        user: a.user.username.clone(),
        role: a.user.role.as_str().into(),
        store: svc.store_label().into(),
        permissions: svc.permissions().unwrap_or_default(),
    }
}

/// Starts the screens session on an open service (the `login` audit row). A session whose
/// start cannot be recorded does not start (fail closed).
pub fn begin(svc: &mut Conn) -> Result<(Session, LoginInfo), String> {
    let info = svc.login().map_err(|e| e.to_string())?;
    Ok((session(svc), info))
}

type Opener = Box<dyn FnOnce() -> Result<Conn, String> + Send>;

/// The UI's handle on the worker threads.
pub struct Worker {
    store: Sender<Req>,
    jobs: Sender<Req>,
    done: Receiver<()>,
}

impl Worker {
    /// Opens the store on the worker thread (the first frame never waits for it); the job
    /// lane opens its own `Service` on the same store when its first job comes.
    pub fn spawn(path: crate::service::Location, clock: Clock, out: Sender<Msg>) -> Worker {
        let p = path.clone();
        let c = clock;
        Worker::spawn_lanes(
            Box::new(move || crate::serve::open(&path, clock).map_err(|e| e.to_string())),
            Some(Box::new(move || {
                crate::serve::open(&p, c).map_err(|e| e.to_string())
            })),
            out,
        )
    }

    /// Like `spawn`, with any way of opening the service. Without a second way to open it
    /// (an encrypted store unlocked with a passphrase) long jobs are refused with a reason.
    pub fn spawn_with<F>(open: F, out: Sender<Msg>) -> Worker
    where
        F: FnOnce() -> Result<Conn, String> + Send + 'static,
    {
        Worker::spawn_lanes(Box::new(open), None, out)
    }

    fn spawn_lanes(open: Opener, open_jobs: Option<Opener>, out: Sender<Msg>) -> Worker {
        let (tx, rx) = mpsc::channel::<Req>();
        let (done_tx, done) = mpsc::channel::<()>();
        let o = out.clone();
        std::thread::Builder::new()
            .name("store".into())
            .spawn(move || {
                let mut svc = start(open, &o);
                serve_all(svc.as_mut(), rx, o);
                // The session ends with its own audit row (the UI waits for it, briefly).
                if let Some(s) = svc.as_mut() {
                    let _ = s.logout();
                }
                let _ = done_tx.send(());
            })
            .expect("spawn the store worker");
        let (jtx, jrx) = mpsc::channel::<Req>();
        std::thread::Builder::new()
            .name("jobs".into())
            .spawn(move || job_lane(open_jobs, jrx, out))
            .expect("spawn the job worker");
        Worker {
            store: tx,
            jobs: jtx,
            done,
        }
    }

    /// Sends a request to its lane.
    pub fn send(&self, req: Req) {
        let _ = match req.lane() {
            Lane::Store => self.store.send(req),
            Lane::Jobs => self.jobs.send(req),
        };
    }

    /// Ends the session: the store worker finishes what it has, writes the `logout` row and
    /// stops; a running job is asked to stop. Waits at most `wait`.
    pub fn shutdown(self, wait: Duration) {
        drop(self.store);
        drop(self.jobs);
        let _ = self.done.recv_timeout(wait);
    }
}

/// Opens the service and starts the session; tells the UI either way.
fn start(open: Opener, out: &Sender<Msg>) -> Option<Conn> {
    match open().and_then(|mut s| begin(&mut s).map(|b| (s, b))) {
        Ok((mut s, (session, info))) => {
            let _ = out.send(Msg::Ready(Ok(session)));
            let _ = out.send(Msg::LoggedIn(info));
            // The search index into memory now, so the first keystroke reads no postings
            // (no audit row: nothing is shown). A role without search simply skips it.
            let _ = s.warm_search();
            Some(s)
        }
        Err(e) => {
            let _ = out.send(Msg::Ready(Err(Text::from(e))));
            None
        }
    }
}

/// A typing burst ends after this long without a request: its closing audit row.
pub const BURST_IDLE: Duration = Duration::from_secs(3);

fn serve_all(mut svc: Option<&mut Conn>, rx: Receiver<Req>, out: Sender<Msg>) {
    let mut down = false;
    // Something was served since the last pause: a burst may be open.
    let mut busy = false;
    loop {
        if busy && !down {
            match rx.recv_timeout(BURST_IDLE) {
                Ok(r) => {
                    serve_batch(&mut svc, r, &rx, &out, &mut down);
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    busy = false;
                    if let Some(s) = svc.as_deref_mut() {
                        let _ = s.end_burst();
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        let first = if down {
            match rx.recv_timeout(RETRY) {
                Ok(r) => r,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // A request that needs the session and writes no audit row.
                    if let Some(s) = svc.as_deref_mut() {
                        match s.effective_idle_timeout() {
                            Ok(_) => {
                                down = false;
                                let _ = out.send(Msg::Link(Link::Back));
                                let _ = out.send(Msg::Ready(Ok(session(s))));
                            }
                            Err(e) => {
                                if let Some(n @ Link::Expired(_)) = link_news(&e) {
                                    down = false;
                                    let _ = out.send(Msg::Link(n));
                                }
                            }
                        }
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        } else {
            match rx.recv() {
                Ok(r) => r,
                Err(_) => return,
            }
        };
        busy = true;
        if !serve_batch(&mut svc, first, &rx, &out, &mut down) {
            return;
        }
    }
}

/// Serves `first` and every request waiting behind it (overtaken searches dropped). False
/// when the screens are gone.
fn serve_batch(
    svc: &mut Option<&mut Conn>,
    first: Req,
    rx: &Receiver<Req>,
    out: &Sender<Msg>,
    down: &mut bool,
) -> bool {
    {
        let mut batch = vec![first];
        while let Ok(r) = rx.try_recv() {
            batch.push(r);
        }
        for req in newest_wins(batch, Req::coalesce_key) {
            let reply = match svc.as_deref_mut() {
                Some(s) => serve_typed(s, &req),
                None => Err(ServiceError::Usage("the store is not open".into())),
            };
            let news = reply.as_ref().err().and_then(link_news);
            let reply = reply.map_err(|e| Text::from(e.to_string()));
            let unlocked = matches!(req, Req::Unlock { .. }) && reply.is_ok();
            if out.send(Msg::Db(req.id(), reply)).is_err() {
                return false;
            }
            match news {
                // Said once; the retries above say when it is back.
                Some(n @ Link::Down(_)) if !*down => {
                    *down = true;
                    let _ = out.send(Msg::Link(n));
                }
                Some(Link::Down(_)) => {}
                Some(n) => {
                    let _ = out.send(Msg::Link(n));
                }
                None if *down => {
                    *down = false;
                    let _ = out.send(Msg::Link(Link::Back));
                }
                None => {}
            }
            // Back from the lock: what the user may do now (it may have changed meanwhile).
            if let Some(s) = svc.as_deref().filter(|_| unlocked) {
                let _ = out.send(Msg::Ready(Ok(session(s))));
            }
        }
    }
    true
}

/// How often a job's progress is sent at most (the gauge needs no more).
const PROGRESS_EVERY: Duration = Duration::from_millis(30);

fn job_lane(mut open: Option<Opener>, rx: Receiver<Req>, out: Sender<Msg>) {
    let mut svc: Option<Result<Conn, Text>> = None;
    let mut queue: VecDeque<Req> = VecDeque::new();
    loop {
        let req = match queue.pop_front() {
            Some(r) => r,
            None => match rx.recv() {
                Ok(r) => r,
                Err(_) => return,
            },
        };
        let (id, job) = match req {
            Req::Job { id, job } => (id, job),
            // Nothing runs: nothing to stop.
            Req::CancelJob { .. } => continue,
            other => {
                let _ = out.send(Msg::Db(other.id(), Err("not a long job".into())));
                continue;
            }
        };
        let opened = svc.get_or_insert_with(|| match open.take() {
            Some(f) => f().map_err(Text::from),
            // An encrypted store was unlocked with a passphrase before the screens started;
            // a second connection would need it again.
            None => Err("long jobs cannot run on an encrypted store from the screens yet".into()),
        });
        let reply = match opened {
            Err(e) => Err(e.clone()),
            Ok(s) => {
                let mut last = Instant::now() - PROGRESS_EVERY;
                let mut progress = |done: u64, total: u64| {
                    let mut flow = Flow::Go;
                    loop {
                        match rx.try_recv() {
                            Ok(Req::CancelJob { job, .. }) if job == id => flow = Flow::Stop,
                            Ok(other) => queue.push_back(other),
                            Err(mpsc::TryRecvError::Empty) => break,
                            // The screens are closing: stop.
                            Err(mpsc::TryRecvError::Disconnected) => {
                                flow = Flow::Stop;
                                break;
                            }
                        }
                    }
                    if flow == Flow::Go && (last.elapsed() >= PROGRESS_EVERY || done == total) {
                        last = Instant::now();
                        let _ = out.send(Msg::Db(id, Ok(Reply::Progress { done, total })));
                    }
                    flow
                };
                run_job(s, &job, &mut progress)
            }
        };
        if out.send(Msg::Db(id, reply)).is_err() {
            return;
        }
    }
}

/// Keeps every item but those overtaken by a newer one with the same key (the newest
/// keystroke wins). Items without a key are all kept, in order.
pub fn newest_wins<T, K: PartialEq>(items: Vec<T>, key: impl Fn(&T) -> Option<K>) -> Vec<T> {
    let mut seen: Vec<K> = Vec::new();
    let mut keep = vec![true; items.len()];
    for (i, t) in items.iter().enumerate().rev() {
        if let Some(k) = key(t) {
            if seen.contains(&k) {
                keep[i] = false;
            } else {
                seen.push(k);
            }
        }
    }
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(t, k)| k.then_some(t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_search_survives() {
        use crate::tui::panes::{PaneReq, chart, patients};
        let s = |id: u64| Req::Pane {
            id: id << 4 | 1,
            req: PaneReq::Patients(patients::Req::Search {
                query: format!("q{id}"),
                limit: 50,
            }),
        };
        let c = Req::Pane {
            id: 9 << 4 | 2,
            req: PaneReq::Chart(chart::Req::Chart {
                mrn: "1".into(),
                reason: None,
            }),
        };
        let out = newest_wins(vec![s(1), c.clone(), s(2), s(3)], Req::coalesce_key);
        assert_eq!(out, vec![c, s(3)]);
        // by key: two kinds each keep their newest
        let out = newest_wins(vec![(1, 'a'), (2, 'b'), (3, 'a'), (4, 'c')], |x| {
            (x.1 != 'c').then_some(x.1)
        });
        assert_eq!(out, vec![(2, 'b'), (3, 'a'), (4, 'c')]);
    }
}
