//! Use-cases shared by the shell commands and the TUI. The only place that pairs an action
//! with its permission check and its audit row: every use case goes through the one audited
//! entry point in `entry.rs`.

pub mod api;
pub mod audit;
pub mod backup;
pub mod clock;
pub mod demo;
mod edit;
mod entry;
pub mod hl7;
pub mod identity;
pub mod keys;
pub mod network;
mod patients;
pub mod recover;
mod restricted;
mod rights;
mod server;
mod server_backup;
mod session;
mod setup;
pub mod shared;
mod site;
mod users;
pub mod wire;

/// Whether a path is an empty file (the one thing `init` may make a store of).
pub use crate::store::is_empty_file;
/// Where a store lives (a file or a server), for the shell and the screens.
pub use crate::store::{DEFAULT_PORT, Location, ServiceAddr};

/// What is wrong with a store file that does not open, each with what to do (`check`).
pub fn diagnose_store(path: &std::path::Path) -> Vec<String> {
    crate::store::diagnose::diagnose(path, crate::secrets::is_encrypted(path))
}
pub use api::Conn;
pub use audit::AuditReport;
pub use clock::Clock;
pub use edit::Saved;
pub use patients::{AddOutcome, Found};
pub use restricted::{Access, PrivacyAlert};
pub use rights::Grant;
pub use server::{
    Holds, TokenSaved, forget_server_token, open_store, server_token, set_server_token,
};
pub use server_backup::restore_server;
pub use session::LoginInfo;
pub use setup::{
    Created, NewStoreKey, create_server_store, create_store, create_store_for, probe as setup_probe,
};
pub use site::SiteSetting;
pub use users::NewUser;
pub use wire::RemoteError;

use crate::domain::{Action, DomainError, Outcome, Permission, Text};
use crate::search::SearchIndex;
pub use crate::store::transfer::Copied;
use crate::store::{self, OpenMode, Store, StoreError, audit::AuditEvent, users::User};

/// "1 more wrong try", "3 more wrong tries" (and the account locks).
fn tries_left(left: i64) -> String {
    let tries = if left == 1 { "try" } else { "tries" };
    format!("{left} more wrong {tries} and the account locks")
}

/// What went wrong, said for a records clerk; each maps to one exit code. It travels from a
/// records server to its clients as it is (serde), so both say the same.
#[derive(Debug, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Invalid(#[from] DomainError),
    #[error("your role ({role}) may not {what}; ask your supervisor if you need to")]
    Denied {
        #[serde(deserialize_with = "crate::domain::wire::name")]
        role: crate::domain::wire::Name,
        #[serde(deserialize_with = "crate::domain::wire::name")]
        what: crate::domain::wire::Name,
    },
    #[error(
        "the login \"{0}\" is not a chartroom user; ask your administrator to add you (`chartroom user add`)"
    )]
    UnknownLogin(String),
    #[error("the chartroom user \"{0}\" is disabled; ask your administrator")]
    Disabled(Text),
    #[error("the chartroom user \"{0}\" is locked; ask a supervisor to unlock it")]
    Locked(Text),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    Usage(String),
    #[error("stopped before the end; nothing was kept")]
    Interrupted,
    #[error(
        "this record is restricted ({kinds}): opening it needs a reason, and the privacy officer is told (break the glass with --reason \"why you need it\")"
    )]
    Restricted { kinds: String },
    #[error(
        "you may not open your own record here; ask a colleague, or request it as a patient through release of information"
    )]
    OwnRecord,
    #[error("the password is wrong; {}", tries_left(*.left))]
    WrongPassword { left: i64 },
    #[error("the session is locked; type your password to unlock it")]
    SessionLocked,
    #[error(
        "the chartroom user \"{0}\" has no password yet; ask your administrator (`chartroom user passwd`)"
    )]
    NoPassword(Text),
    #[error("the audit trail could not be written, so nothing was shown or changed ({0})")]
    AuditFailed(StoreError),
    #[error(transparent)]
    Key(#[from] crate::secrets::SecretError),
    /// Standard output could not be written (a closed pipe, a full disk).
    #[error("{}", output_message(.0))]
    Output(#[serde(with = "wire::io_error")] std::io::Error),
    /// The installation is not as it must be (the system config, a shared server's files).
    #[error("{0}")]
    Setup(String),
    /// A records server (`chartroom serve`) could not be used.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// Fields of an edit that were not accepted, each with what to do; nothing was saved.
    #[error("{}", edit::fields_message(.0))]
    Fields(Vec<crate::domain::edit::FieldError>),
    /// The record was saved by someone else after the version this edit was made against;
    /// `theirs` is what they changed (newest first). Nothing was saved.
    #[error("{}", edit::changed_message(.theirs))]
    Changed {
        version: i64,
        theirs: Vec<crate::domain::edit::Change>,
    },
}

fn output_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::StorageFull => {
            "the output could not be written: the disk it goes to is full; what was printed is incomplete".into()
        }
        std::io::ErrorKind::BrokenPipe => "the output was closed before the end".into(),
        _ => format!("the output could not be written ({e}); what was printed is incomplete"),
    }
}

impl ServiceError {
    /// There is no store at `loc`.
    pub fn no_store(loc: &Location) -> ServiceError {
        let path = loc.as_file().map(|p| p.to_path_buf()).unwrap_or_default();
        ServiceError::Store(StoreError::NoStore(path))
    }

    /// Something the operating system refused (a signal handler, a terminal).
    pub fn system(what: impl Into<String>) -> ServiceError {
        ServiceError::Store(StoreError::Other(what.into()))
    }

    /// The store file itself is damaged (truncated, corrupt, a broken version marker), as
    /// opposed to missing, locked, someone else's or no store at all (a wrong `--db` is never
    /// "repaired" by a restore): `check` explains, `restore` repairs.
    pub fn is_damaged_store(&self) -> bool {
        matches!(
            self,
            ServiceError::Store(
                StoreError::Corrupt
                    | StoreError::DamagedVersion { .. }
                    | StoreError::TooNew { .. }
                    | StoreError::Io(_)
                    | StoreError::BadValue { .. }
                    | StoreError::EmptyFile(_)
                    | StoreError::Other(_)
            )
        )
    }

    /// A closed pipe: the reader has all it wanted, so the command ends quietly.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, ServiceError::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// 1 nothing found, 2 usage, 3 store (or the output), 4 not permitted or locked,
    /// 5 conflict. (7, "verified, but not anchored", is `audit verify`'s own.)
    pub fn exit_code(&self) -> i32 {
        match self {
            ServiceError::NotFound(_) | ServiceError::Store(StoreError::NotFound(_)) => 1,
            ServiceError::Invalid(_)
            | ServiceError::Usage(_)
            | ServiceError::Fields(_)
            | ServiceError::Store(StoreError::BadLocation(_)) => 2,
            ServiceError::Changed { .. } => 5,
            ServiceError::Interrupted => 130,
            ServiceError::Store(StoreError::Conflict) => 5,
            ServiceError::Store(StoreError::Duplicate(_)) => 5,
            ServiceError::Store(StoreError::Encrypted(_)) => 4,
            ServiceError::Store(
                StoreError::NoServerToken(_)
                | StoreError::ServerRefused { .. }
                | StoreError::TokenExpired(_)
                | StoreError::ReadOnlyToken(_),
            ) => 4,
            ServiceError::Key(k) => k.exit_code(),
            ServiceError::Store(_) => 3,
            ServiceError::AuditFailed(_) => 3,
            ServiceError::Output(_) | ServiceError::Setup(_) => 3,
            ServiceError::Remote(r) => r.exit_code(),
            ServiceError::Denied { .. }
            | ServiceError::UnknownLogin(_)
            | ServiceError::Disabled(_)
            | ServiceError::Locked(_)
            | ServiceError::Restricted { .. }
            | ServiceError::OwnRecord
            | ServiceError::WrongPassword { .. }
            | ServiceError::SessionLocked
            | ServiceError::NoPassword(_) => 4,
        }
    }
}

pub type Result<T> = std::result::Result<T, ServiceError>;

/// The person acting: their chartroom user (as of the last access; rights are read again at
/// every access), OS login and origin.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    pub user: User,
    pub os_login: String,
    pub origin: String,
}

/// An open store with the person using it. One per thread that touches the store.
pub struct Service {
    db: Box<dyn Store>,
    actor: Actor,
    clock: Clock,
    index: Option<SearchIndex>,
    /// Locked after idle time (or at start when the site asks for a password): every
    /// permission check fails until `unlock` succeeds.
    session_locked: bool,
    /// Restricted patients this session has broken the glass for (a reason was given).
    glass: std::collections::HashSet<i64>,
    /// The typing burst of live searches in progress (see `patients.rs`).
    burst: Option<patients::Burst>,
}

impl Service {
    /// Opens an existing store as the OS login running this process. An encrypted file
    /// opens with its cached key, else a passphrase (see `keys`).
    ///
    /// On a shared records server, once the store's group is dropped, this hands over one of
    /// the services opened before (`shared::prepare`): the screens' store worker and job lane
    /// both come here, so neither needs to know.
    pub fn open(loc: &Location, clock: Clock) -> Result<Self> {
        if shared::dropped() {
            return shared::take_service().ok_or_else(|| {
                ServiceError::Setup(
                    "this records server opened no further store connection for this command"
                        .into(),
                )
            });
        }
        let db: Box<dyn Store> = match loc {
            Location::File(path) if crate::secrets::is_encrypted(path) => {
                Box::new(keys::open_encrypted(path)?.db)
            }
            _ => server::open_store(loc, OpenMode::Existing)?,
        };
        let login = identity::os_login().ok_or_else(|| ServiceError::UnknownLogin("?".into()))?;
        Self::with_db(db, clock, &login)
    }

    /// A service over any backend, acting as `os_login`.
    pub fn with_db(db: Box<dyn Store>, clock: Clock, os_login: &str) -> Result<Self> {
        Self::with_origin(db, clock, os_login, identity::origin())
    }

    /// As [`Service::with_db`], for a session that comes from `origin` (a records server's
    /// client: the address the server saw).
    pub(crate) fn with_origin(
        db: Box<dyn Store>,
        clock: Clock,
        os_login: &str,
        origin: String,
    ) -> Result<Self> {
        let refuse = |user: Option<&User>, why| {
            session::audit_refusal(db.as_ref(), &clock, os_login, user, why, &origin)
        };
        let Some(user) = store::users::by_os_login(db.as_ref(), os_login)? else {
            refuse(None, "unknown_login");
            return Err(ServiceError::UnknownLogin(os_login.to_string()));
        };
        if user.disabled {
            refuse(Some(&user), "disabled");
            return Err(ServiceError::Disabled(user.username));
        }
        if user.locked {
            refuse(Some(&user), "locked");
            return Err(ServiceError::Locked(user.username));
        }
        Ok(Self::acting(db, clock, user, os_login, origin))
    }

    /// A service acting as `user`, checked already.
    pub(crate) fn acting(
        db: Box<dyn Store>,
        clock: Clock,
        user: User,
        os_login: &str,
        origin: String,
    ) -> Self {
        Service {
            db,
            actor: Actor {
                user,
                os_login: os_login.to_string(),
                origin,
            },
            clock,
            index: None,
            session_locked: false,
            glass: Default::default(),
            burst: None,
        }
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// What the signed-in user may do now.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The store's path or address, for the status bar.
    pub fn store_label(&self) -> String {
        self.db.location().to_string()
    }

    pub fn location(&self) -> &Location {
        self.db.location()
    }

    pub(crate) fn db(&self) -> &dyn Store {
        self.db.as_ref()
    }

    /// What the signed-in user may do now (read from the store, like every check).
    pub fn permissions(&self) -> Result<Vec<Permission>> {
        Ok(self.rights()?.permissions)
    }

    /// An audit event by the acting user, now.
    fn event(&self, action: Action, patient_id: Option<i64>, outcome: Outcome) -> AuditEvent {
        AuditEvent {
            user_id: Some(self.actor.user.id),
            username: self.actor.user.username.raw().to_string(),
            os_login: Some(self.actor.os_login.clone()),
            origin: Some(self.actor.origin.clone()),
            patient_id,
            ..AuditEvent::new(store::iso_utc(self.clock.now()), action, outcome)
        }
    }

    /// After the store's content was replaced (a restore): nothing read before may be used.
    pub(crate) fn after_restore(&mut self) {
        self.index = None;
        self.glass.clear();
        self.burst = None;
    }

    /// SQLite's integrity check plus chartroom's own invariants; empty when all is well.
    pub fn check(&mut self) -> Result<Vec<String>> {
        let op = entry::Op::read(Action::Check, Permission::Search);
        self.run(op, |cx| {
            let mut problems = cx.store.integrity_problems()?;
            problems.extend(patients::invariant_problems(cx.tx)?);
            cx.note.detail = Some(format!("problems={}", problems.len()));
            Ok(problems)
        })
    }
}
