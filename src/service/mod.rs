//! Use-cases shared by the shell commands and the TUI. The only place that pairs an action
//! with its permission check and its audit row, written in the same transaction as the work.

pub mod clock;
pub mod demo;
pub mod identity;
mod patients;

pub use clock::Clock;
pub use patients::{AddOutcome, Found};

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
            ServiceError::Store(_) => 3,
            ServiceError::Denied { .. }
            | ServiceError::UnknownLogin(_)
            | ServiceError::Disabled(_)
            | ServiceError::Locked(_) => 4,
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
}

impl Service {
    /// Opens an existing store as the OS login running this process.
    pub fn open(path: &Path, clock: Clock) -> Result<Self> {
        let db = SqliteDb::open(path, OpenMode::Existing)?;
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
        let user = store::users::by_os_login(db.as_ref(), os_login)?
            .ok_or_else(|| ServiceError::UnknownLogin(os_login.to_string()))?;
        if user.disabled {
            return Err(ServiceError::Disabled(user.username));
        }
        if user.locked {
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
        })
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
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
        store::write_tx(self.db(), |db| store::audit::append(db, e).map(|_| ()))?;
        Ok(())
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
