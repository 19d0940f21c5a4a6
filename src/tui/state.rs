//! Everything the screen shows, and nothing else: drawing reads it, `update` changes it.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use ratatui::widgets::{ListState, TableState};

use crate::domain::{Chart, Document};
use crate::service::{AuditReport, Found, LoginInfo, PrivacyAlert};

use super::action::Pane;
use super::keymap::{Keymap, Mode};
use super::palette::PaletteState;
use super::theme::Theme;

/// A typed password: wiped from memory when dropped, never printed (not even by `Debug`).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(pub zeroize::Zeroizing<String>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A request to the store worker; the id pairs it with its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Req {
    Search {
        id: u64,
        query: String,
    },
    /// `reason`: given after the restricted-record warning (break the glass).
    Chart {
        id: u64,
        mrn: String,
        reason: Option<String>,
    },
    Document {
        id: u64,
        doc_id: i64,
        reason: Option<String>,
    },
    /// Lock the session (idle timeout or the lock key); audited.
    Lock {
        id: u64,
    },
    Unlock {
        id: u64,
        password: Secret,
    },
    /// "Who looked at this record" (needs ReadAudit).
    Audit {
        id: u64,
        mrn: String,
    },
    /// One user's activity (needs ReadAudit).
    AuditUser {
        id: u64,
        name: String,
    },
    /// The open privacy alerts (needs ReadAudit).
    Alerts {
        id: u64,
    },
    /// Marks an alert reviewed; the reply is the open alerts that remain.
    ReviewAlert {
        id: u64,
        alert: i64,
    },
}

impl Req {
    pub fn id(&self) -> u64 {
        match self {
            Req::Search { id, .. }
            | Req::Chart { id, .. }
            | Req::Document { id, .. }
            | Req::Lock { id }
            | Req::Unlock { id, .. }
            | Req::Audit { id, .. }
            | Req::AuditUser { id, .. }
            | Req::Alerts { id }
            | Req::ReviewAlert { id, .. } => *id,
        }
    }
}

/// What the store worker sends back.
#[derive(Debug)]
pub enum Reply {
    Found(Vec<Found>),
    Chart(Box<Chart>),
    Document(Box<Document>),
    /// The record is restricted (`kinds`): it opens only with a reason.
    Restricted {
        kinds: String,
    },
    /// Done, nothing to show (lock, unlock).
    Done,
    Audit(Box<AuditReport>),
    Alerts(Vec<PrivacyAlert>),
}

/// Who is using which store, once the worker has opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub role: String,
    pub store: String,
}

/// Everything that can happen to the app.
#[derive(Debug)]
pub enum Msg {
    Key(crossterm::event::KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// The store is open (or could not be opened: the message says why).
    Ready(Result<Session, String>),
    /// The session has started (`Service::login`): idle timeout, password at start.
    LoggedIn(LoginInfo),
    /// Time passes: the idle lock is checked against this instant.
    Tick(Instant),
    Db(u64, Result<Reply, String>),
    /// SIGTERM or SIGHUP: leave now, restoring the terminal.
    Terminate,
    /// SIGTSTP from outside (`kill -TSTP`): suspend like Ctrl-z.
    Suspend,
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchStatus {
    /// Nothing typed yet.
    Idle,
    /// A search for the current text is on its way.
    Searching,
    /// Results for `query` are shown.
    Done,
    Failed(String),
}

/// The most characters the search box holds (a pasted page is cut, with a message).
pub const MAX_QUERY: usize = 200;

#[derive(Debug)]
pub struct PatientsState {
    pub query: String,
    /// The cursor, in characters.
    pub cursor: usize,
    pub results: Vec<Found>,
    /// The query the shown results answer.
    pub shown_query: String,
    pub table: TableState,
    pub status: SearchStatus,
    pub latest: u64,
    /// True while the search box has the keyboard.
    pub editing: bool,
}

#[derive(Debug, Default)]
pub struct DocView {
    pub doc_id: i64,
    pub loading: bool,
    pub doc: Option<Document>,
    pub error: Option<String>,
    pub scroll: usize,
    /// Lines of the text, made safe for the terminal (filled when the document arrives).
    pub lines: Vec<String>,
    pub latest: u64,
}

#[derive(Debug, Default)]
pub struct ChartState {
    pub loading: Option<String>,
    pub chart: Option<Chart>,
    pub error: Option<String>,
    pub docs: ListState,
    pub scroll: u16,
    pub latest: u64,
    pub doc: Option<DocView>,
    /// After an unlock: the document to open again once the chart is back.
    pub resume_doc: Option<i64>,
}

/// Where the user was when the screen locked: navigation only, never names or text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    pub pane: Pane,
    pub editing: bool,
    pub mrn: Option<String>,
    pub doc_id: Option<i64>,
}

/// Room reserved for the password up front, so typing never reallocates (a reallocation
/// would leave a copy of the first characters behind, unwiped).
pub const PASSWORD_ROOM: usize = 1024;

/// The lock screen: a masked password field and the last answer.
pub struct LockState {
    pub password: zeroize::Zeroizing<String>,
    pub error: Option<String>,
    /// The unlock request on its way.
    pub pending: Option<u64>,
    pub resume: Resume,
}

impl LockState {
    pub fn new(resume: Resume) -> LockState {
        LockState {
            password: empty_password(),
            error: None,
            pending: None,
            resume,
        }
    }
}

/// An empty password field with its room reserved.
pub fn empty_password() -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(String::with_capacity(PASSWORD_ROOM))
}

impl fmt::Debug for LockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockState")
            .field("password", &"***")
            .field("error", &self.error)
            .field("pending", &self.pending)
            .field("resume", &self.resume)
            .finish()
    }
}

/// The Audit pane: "who looked at this record", one user's activity, or the privacy alerts.
#[derive(Debug, Default)]
pub struct AuditState {
    pub mrn: Option<String>,
    /// Set when the pane shows this user's activity (`:audit-user NAME`).
    pub user: Option<String>,
    /// True when the pane shows the privacy alerts (`:alerts`).
    pub show_alerts: bool,
    pub alerts: Option<Vec<PrivacyAlert>>,
    pub report: Option<AuditReport>,
    pub error: Option<String>,
    pub loading: bool,
    pub latest: u64,
    pub scroll: usize,
}

/// What a break-the-glass reason is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlassTarget {
    Chart(String),
    Document(i64),
}

/// The restricted-record warning: "Continue? [y/N]" (default No), then a reason.
#[derive(Debug, Clone)]
pub struct Glass {
    pub target: GlassTarget,
    pub kinds: String,
    /// The user answered y: now typing the reason.
    pub confirmed: bool,
    pub reason: String,
}

#[derive(Debug)]
pub enum Overlay {
    None,
    Glass(Glass),
    Help { scroll: u16, under: Mode },
    Palette(PaletteState),
}

/// The application state.
pub struct State {
    pub pane: Pane,
    pub overlay: Overlay,
    pub patients: PatientsState,
    pub chart: ChartState,
    pub keymap: Keymap,
    pub theme: Theme,
    pub config_dir: PathBuf,
    pub no_color: bool,
    pub today: NaiveDate,
    pub session: Option<Session>,
    pub store_error: Option<String>,
    pub status: Option<(Level, String)>,
    /// Set while the screen is locked: nothing but the password field works.
    pub lock: Option<LockState>,
    /// The session has started (`login`); the idle lock is armed from then on.
    pub login: Option<LoginInfo>,
    pub idle_timeout: Duration,
    pub last_input: Instant,
    /// Said on the terminal after the screens close (e.g. why they closed).
    pub farewell: Option<String>,
    pub audit: AuditState,
    pub dirty: bool,
    /// Rows in the last drawn list (for page moves).
    pub page: u16,
    next_id: u64,
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
            pane: Pane::Patients,
            overlay: Overlay::None,
            patients: PatientsState {
                query: String::new(),
                cursor: 0,
                results: Vec::new(),
                shown_query: String::new(),
                table: TableState::default(),
                status: SearchStatus::Idle,
                latest: 0,
                editing: true,
            },
            chart: ChartState::default(),
            keymap,
            theme,
            config_dir,
            no_color,
            today,
            session: None,
            store_error: None,
            status: None,
            lock: None,
            login: None,
            idle_timeout: Duration::from_secs(300),
            last_input: Instant::now(),
            farewell: None,
            audit: AuditState::default(),
            dirty: true,
            page: 10,
            next_id: 1,
        }
    }

    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Which keymap applies now.
    pub fn mode(&self) -> Mode {
        if self.lock.is_some() {
            return Mode::Lock;
        }
        match &self.overlay {
            Overlay::Help { .. } => return Mode::Help,
            Overlay::Palette(_) => return Mode::Palette,
            Overlay::Glass(_) => return Mode::Glass,
            Overlay::None => {}
        }
        match self.pane {
            Pane::Patients if self.patients.editing => Mode::Search,
            Pane::Chart if self.chart.doc.is_some() => Mode::Document,
            _ => Mode::Normal,
        }
    }

    /// When the screen locks if no key is pressed (None while locked or before login).
    pub fn idle_deadline(&self) -> Option<Instant> {
        (self.login.is_some() && self.lock.is_none()).then(|| self.last_input + self.idle_timeout)
    }

    pub fn say(&mut self, level: Level, msg: impl Into<String>) {
        self.status = Some((level, msg.into()));
        self.dirty = true;
    }

    /// The selected search result, if any.
    pub fn selected_patient(&self) -> Option<&Found> {
        self.patients
            .table
            .selected()
            .and_then(|i| self.patients.results.get(i))
    }
}

/// Parses a stored ISO date; `None` for anything else.
pub fn iso_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

impl State {
    /// Opens the document view for `doc_id` and asks the store worker for its text.
    pub fn request_document(&mut self, doc_id: i64, fx: &mut Vec<Effect>) {
        let id = self.next_id();
        self.chart.doc = Some(DocView {
            doc_id,
            loading: true,
            latest: id,
            ..Default::default()
        });
        fx.push(Effect::Request(Req::Document {
            id,
            doc_id,
            reason: None,
        }));
    }
}
