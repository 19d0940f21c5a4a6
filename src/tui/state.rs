//! Everything the screen shows, and nothing else: drawing reads it, `update` changes it.
//! What every pane may read (keys, theme, session, the status line) is [`App`]; each pane's
//! own state lives in its folder under `panes/`, reached through the registry.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::domain::Permission;
use crate::domain::Text;
use crate::service::LoginInfo;

use super::action::PaneId;
use super::jobs::Jobs;
use super::keymap::{Key, Keymap, Mode};
use super::lock::LockState;
use super::overlay::Overlay;
use super::panes::{PaneReply, PaneReq, Registry};
use super::theme::Theme;

pub use super::panes::patients::{MAX_QUERY, SearchStatus};

/// A typed password: wiped from memory when dropped, never printed (not even by `Debug`).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(pub zeroize::Zeroizing<String>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A long piece of work for the job lane (imports, reports, backups, re-indexing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// Counts `steps` steps of `step_ms` each, touching nothing. No key or command starts
    /// it: it stands in for the first real job (imports) in the tests of the lane.
    #[doc(hidden)]
    Synthetic { steps: u64, step_ms: u64 },
}

impl Job {
    /// What the gauge says is running (never patient data).
    pub fn label(&self) -> &'static str {
        match self {
            Job::Synthetic { .. } => "practice job",
        }
    }
}

/// A request to the workers; the id pairs it with its reply and says who asked (see
/// [`owner`]). Plain data: it could go over a wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Req {
    /// One of a pane's own requests (its folder's `store.rs` says what it is and serves it).
    Pane {
        id: u64,
        req: PaneReq,
    },
    /// Lock the session (idle timeout or the lock key); audited.
    Lock {
        id: u64,
    },
    Unlock {
        id: u64,
        password: Secret,
    },
    /// A long job, on the job lane: replies `Progress` as it goes, then its outcome.
    Job {
        id: u64,
        job: Job,
    },
    /// Stops the job whose request id is `job` (it replies `Cancelled`).
    CancelJob {
        id: u64,
        job: u64,
    },
}

/// Which worker thread serves a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Short reads and writes, in order: a search keystroke never waits behind a job.
    Store,
    /// Long jobs, one at a time, each with progress and cancel.
    Jobs,
}

impl Req {
    pub fn id(&self) -> u64 {
        match self {
            Req::Pane { id, .. }
            | Req::Lock { id }
            | Req::Unlock { id, .. }
            | Req::Job { id, .. }
            | Req::CancelJob { id, .. } => *id,
        }
    }

    pub fn lane(&self) -> Lane {
        match self {
            Req::Job { .. } | Req::CancelJob { .. } => Lane::Jobs,
            _ => Lane::Store,
        }
    }

    /// Requests with the same key overtake each other: only the newest still waiting runs
    /// (the newest keystroke wins). The key is who asked and what kind of request it is.
    pub fn coalesce_key(&self) -> Option<(Owner, &'static str)> {
        match self {
            Req::Pane { id, req } => req.coalesce_key().map(|k| (owner(*id), k)),
            _ => None,
        }
    }
}

/// What the workers send back.
#[derive(Debug)]
pub enum Reply {
    /// The reply to a pane's own request.
    Pane(PaneReply),
    /// Done, nothing to show (lock, unlock).
    Done,
    /// A job's progress: `done` of `total` steps.
    Progress { done: u64, total: u64 },
    /// A job finished; what it did, in a line (never patient data).
    Finished(String),
    /// A job stopped when asked; nothing of it was kept.
    Cancelled,
}

/// Who sent a request (and so gets its reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    App,
    Pane(PaneId),
    Lock,
    Jobs,
}

const OWNER_BITS: u32 = 4;
const LOCK_SLOT: u64 = 14;
const JOBS_SLOT: u64 = 15;

/// Who asked for the request with this id (its low bits).
pub fn owner(id: u64) -> Owner {
    match id & ((1 << OWNER_BITS) - 1) {
        LOCK_SLOT => Owner::Lock,
        JOBS_SLOT => Owner::Jobs,
        0 => Owner::App,
        n => PaneId::ALL
            .get(n as usize - 1)
            .map(|p| Owner::Pane(*p))
            .unwrap_or(Owner::App),
    }
}

fn slot(o: Owner) -> u64 {
    match o {
        Owner::App => 0,
        Owner::Pane(p) => p.index() as u64 + 1,
        Owner::Lock => LOCK_SLOT,
        Owner::Jobs => JOBS_SLOT,
    }
}

/// Who is using which store, once the worker has opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: Text,
    pub role: Text,
    pub store: Text,
    /// What the user may do (the service said so at the start of the session).
    pub permissions: Vec<Permission>,
}

/// Everything that can happen to the app.
#[derive(Debug)]
pub enum Msg {
    Key(crossterm::event::KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// The store is open (or could not be opened: the message says why).
    Ready(Result<Session, Text>),
    /// The session has started (`Service::login`): idle timeout, password at start.
    LoggedIn(LoginInfo),
    /// Time passes: the idle lock is checked against this instant.
    Tick(Instant),
    Db(u64, Result<Reply, Text>),
    /// How the connection to a records server (`chartroom serve`) is doing.
    Link(Link),
    /// SIGTERM or SIGHUP: leave now, restoring the terminal.
    Terminate,
    /// SIGTSTP from outside (`kill -TSTP`): suspend like Ctrl-z.
    Suspend,
}

/// News of the connection to a records server, from the store worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// The server does not answer; the worker keeps trying. What it said.
    Down(Text),
    /// It answers again.
    Back,
    /// The server ended the session (it expired): the password signs in again.
    Expired(Text),
}

/// What `update` asks the event loop to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Request(Req),
    Quit,
    Suspend,
    /// Clear the terminal and draw everything again.
    Redraw,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// What every pane may read: keys, theme, the day, the session, the status line.
pub struct App {
    pub keymap: Keymap,
    pub theme: Theme,
    pub config_dir: PathBuf,
    pub no_color: bool,
    pub today: NaiveDate,
    pub session: Option<Session>,
    pub store_error: Option<Text>,
    pub status: Option<(Level, Text)>,
    /// Set when the screen must be drawn again.
    pub dirty: bool,
    /// The terminal's size, once known (0×0 before the first resize).
    pub size: (u16, u16),
    next_id: u64,
}

impl App {
    /// A fresh request id for `owner` (unique for the whole run).
    pub fn next_id(&mut self, owner: Owner) -> u64 {
        self.next_id += 1;
        (self.next_id << OWNER_BITS) | slot(owner)
    }

    pub fn say(&mut self, level: Level, msg: impl Into<Text>) {
        self.status = Some((level, msg.into()));
        self.dirty = true;
    }

    /// Whether the screen shows "terminal too small" (keys are ignored there).
    pub fn too_small(&self) -> bool {
        let (w, h) = self.size;
        w > 0 && h > 0 && (w < super::view::MIN_WIDTH || h < super::view::MIN_HEIGHT)
    }

    /// Whether the signed-in user may do `p` (as the service said).
    pub fn may(&self, p: Permission) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.permissions.contains(&p))
    }
}

/// The application state.
pub struct State {
    pub app: App,
    /// Every pane, in tab order.
    pub panes: Registry,
    /// The pane on screen.
    pub pane: PaneId,
    pub overlay: Overlay,
    /// Set while the screen is locked: nothing but the password field works.
    pub lock: Option<LockState>,
    /// The session has started (`login`); the idle lock is armed from then on.
    pub login: Option<LoginInfo>,
    pub idle_timeout: Duration,
    pub last_input: Instant,
    /// Said on the terminal after the screens close (e.g. why they closed).
    pub farewell: Option<String>,
    /// The job lane's work, as the gauge shows it.
    pub jobs: Jobs,
    /// The first key of a chord, waiting for the second (`g` of `g g`).
    pub chord: Option<Key>,
}

impl State {
    pub fn new(
        keymap: Keymap,
        theme: Theme,
        today: NaiveDate,
        config_dir: PathBuf,
        no_color: bool,
    ) -> State {
        State {
            app: App {
                keymap,
                theme,
                config_dir,
                no_color,
                today,
                session: None,
                store_error: None,
                status: None,
                dirty: true,
                size: (0, 0),
                next_id: 0,
            },
            panes: Registry::new(),
            pane: PaneId::Patients,
            overlay: Overlay::None,
            lock: None,
            login: None,
            idle_timeout: Duration::from_secs(300),
            last_input: Instant::now(),
            farewell: None,
            jobs: Jobs::default(),
            chord: None,
        }
    }

    /// Which keymap applies now.
    pub fn mode(&self) -> Mode {
        if self.lock.is_some() {
            return Mode::Lock;
        }
        if let Some(m) = self.overlay.mode() {
            return m;
        }
        if self.panes.form(self.pane).is_some() {
            return Mode::Form;
        }
        self.panes.get(self.pane).mode()
    }

    /// When the screen locks if no key is pressed (None while locked or before login).
    pub fn idle_deadline(&self) -> Option<Instant> {
        (self.login.is_some() && self.lock.is_none()).then(|| self.last_input + self.idle_timeout)
    }

    pub fn say(&mut self, level: Level, msg: impl Into<Text>) {
        self.app.say(level, msg);
    }
}

/// Parses a stored ISO date; `None` for anything else.
pub fn iso_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_say_who_asked() {
        let dir = PathBuf::from("/nonexistent");
        let (theme, _) = Theme::load("default", &dir, false);
        let mut s = State::new(Keymap::default(), theme, NaiveDate::MIN, dir, false);
        for o in [
            Owner::Pane(PaneId::Patients),
            Owner::Pane(PaneId::Audit),
            Owner::Lock,
            Owner::Jobs,
            Owner::App,
        ] {
            let id = s.app.next_id(o);
            assert_eq!(owner(id), o);
        }
        assert_eq!(owner(0), Owner::App);
    }
}
