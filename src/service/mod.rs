//! Use-cases shared by the shell commands and the TUI. The only place that pairs an action
//! with its permission check and its audit row, written in the same transaction as the work.

pub mod audit;
pub mod clock;
pub mod demo;
pub mod identity;
pub mod keys;
mod patients;
mod restricted;
mod session;
mod site;
mod users;

pub use audit::{AuditReport, action};
pub use clock::Clock;
pub use patients::{AddOutcome, Found};
pub use restricted::{Access, PrivacyAlert};
pub use session::LoginInfo;
pub use site::SiteSetting;
pub use users::NewUser;

use std::path::Path;

use crate::domain::{DomainError, Permission, access};
use crate::search::SearchIndex;
use crate::store::{self, OpenMode, Sql, SqliteDb, StoreError, audit::AuditEvent, users::User};

/// What went wrong, said for a records clerk; each maps to one exit code.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Invalid(#[from] DomainError),
    #[error("your role ({role}) may not {what}; ask your supervisor if you need to")]
    Denied {
        role: &'static str,
        what: &'static str,
    },
    #[error(
        "the login \"{0}\" is not a chartroom user; ask your administrator to add you (`chartroom user add`)"
    )]
    UnknownLogin(String),
    #[error("the chartroom user \"{0}\" is disabled; ask your administrator")]
    Disabled(String),
    #[error("the chartroom user \"{0}\" is locked; ask a supervisor to unlock it")]
    Locked(String),
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
    #[error("the password is wrong; {left} more wrong tries and the account locks")]
    WrongPassword { left: i64 },
    #[error("the session is locked; type your password to unlock it")]
    SessionLocked,
    #[error(
        "the chartroom user \"{0}\" has no password yet; ask your administrator (`chartroom user passwd`)"
    )]
    NoPassword(String),
    #[error("the audit trail could not be written, so nothing was shown or changed ({0})")]
    AuditFailed(StoreError),
    #[error(transparent)]
    Key(#[from] crate::secrets::SecretError),
}

impl ServiceError {
    /// 1 nothing found, 2 usage, 3 store, 4 not permitted or locked, 5 conflict.
    pub fn exit_code(&self) -> i32 {
        match self {
            ServiceError::NotFound(_) | ServiceError::Store(StoreError::NotFound(_)) => 1,
            ServiceError::Invalid(_) | ServiceError::Usage(_) => 2,
            ServiceError::Interrupted => 130,
            ServiceError::Store(StoreError::Conflict) => 5,
            ServiceError::Store(StoreError::Duplicate(_)) => 5,
            ServiceError::Store(StoreError::Encrypted(_)) => 4,
            ServiceError::Key(k) => k.exit_code(),
            ServiceError::Store(_) => 3,
            ServiceError::AuditFailed(_) => 3,
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

/// The person acting: their chartroom user, OS login and origin.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub os_login: String,
    pub origin: String,
}

/// An open store with the person using it. One per thread that touches the store.
pub struct Service {
    db: Box<dyn Sql + Send>,
    actor: Actor,
    clock: Clock,
    index: Option<SearchIndex>,
    store_label: String,
    /// Locked after idle time (or at start when the site asks for a password): every
    /// permission check fails until `unlock` succeeds.
    session_locked: bool,
    /// Restricted patients this session has broken the glass for (a reason was given).
    glass: std::collections::HashSet<i64>,
}

impl Service {
    /// Opens an existing store as the OS login running this process.
    pub fn open(path: &Path, clock: Clock) -> Result<Self> {
        // An encrypted store opens with its cached key, else a passphrase (see `keys`).
        let db = if crate::secrets::is_encrypted(path) {
            keys::open_encrypted(path)?.db
        } else {
            SqliteDb::open(path, OpenMode::Existing)?
        };
        let login = identity::os_login().ok_or_else(|| ServiceError::UnknownLogin("?".into()))?;
        Self::with_db(Box::new(db), clock, &login, path.display().to_string())
    }

    /// A service over any backend, acting as `os_login`.
    pub fn with_db(
        db: Box<dyn Sql + Send>,
        clock: Clock,
        os_login: &str,
        label: String,
    ) -> Result<Self> {
        let Some(user) = store::users::by_os_login(db.as_ref(), os_login)? else {
            session::audit_refusal(db.as_ref(), &clock, os_login, None, "unknown_login");
            return Err(ServiceError::UnknownLogin(os_login.to_string()));
        };
        if user.disabled {
            session::audit_refusal(db.as_ref(), &clock, os_login, Some(&user), "disabled");
            return Err(ServiceError::Disabled(user.username));
        }
        if user.locked {
            session::audit_refusal(db.as_ref(), &clock, os_login, Some(&user), "locked");
            return Err(ServiceError::Locked(user.username));
        }
        Ok(Service {
            db,
            actor: Actor {
                user,
                os_login: os_login.to_string(),
                origin: identity::origin(),
            },
            clock,
            index: None,
            store_label: label,
            session_locked: false,
            glass: Default::default(),
        })
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// What the signed-in user may do now.
    pub fn permissions(&self) -> Result<Vec<Permission>> {
        // issue 8 replaces this body
        Ok(Permission::ALL
            .into_iter()
            .filter(|p| access::allows(self.actor.user.role, *p))
            .collect())
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The store's path or address, for the status bar.
    pub fn store_label(&self) -> &str {
        &self.store_label
    }

    pub(crate) fn db(&self) -> &dyn Sql {
        self.db.as_ref()
    }

    fn event(
        &self,
        action: &'static str,
        patient_id: Option<i64>,
        outcome: &'static str,
    ) -> AuditEvent {
        AuditEvent {
            at: store::iso_utc(self.clock.now()),
            user_id: Some(self.actor.user.id),
            username: self.actor.user.username.clone(),
            os_login: Some(self.actor.os_login.clone()),
            origin: Some(self.actor.origin.clone()),
            action,
            patient_id,
            object: None,
            outcome,
            detail: None,
        }
    }

    /// Checks a permission; a denial is refused and audited.
    fn require(&self, p: Permission, action: &'static str, patient_id: Option<i64>) -> Result<()> {
        if self.session_locked {
            return Err(ServiceError::SessionLocked);
        }
        if access::allows(self.actor.user.role, p) {
            return Ok(());
        }
        let mut e = self.event(action, patient_id, "denied");
        e.detail = Some(format!("needs {p:?}"));
        store::write_tx(self.db(), |db| store::audit::append(db, &e).map(|_| ()))?;
        Err(ServiceError::Denied {
            role: self.actor.user.role.as_str(),
            what: p.describe(),
        })
    }

    /// Writes one audit row in its own transaction. A PHI read whose row cannot be written is
    /// refused: callers return this error instead of the data (fail closed).
    fn audit(&self, e: &AuditEvent) -> Result<()> {
        store::write_tx(self.db(), |db| store::audit::append(db, e).map(|_| ()))
            .map_err(ServiceError::AuditFailed)
    }

    /// SQLite's integrity check plus chartroom's own invariants; empty when all is well.
    pub fn check(&self) -> Result<Vec<String>> {
        self.require(Permission::Search, "check", None)?;
        let mut problems = Vec::new();
        problems.extend(store::integrity_problems(self.db())?);
        problems.extend(patients::invariant_problems(self.db())?);
        let mut e = self.event("check", None, "ok");
        e.detail = Some(format!("problems={}", problems.len()));
        self.audit(&e)?;
        Ok(problems)
    }
}
