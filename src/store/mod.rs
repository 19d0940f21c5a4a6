//! The store: SQLite through rusqlite, behind the small [`Sql`] interface.
//! Returns domain types; never imports the terminal layer.

pub mod audit;
pub mod bulk;
pub mod chart;
mod migrate;
pub mod patients;
pub mod search_index;
pub mod site;
pub mod sql;
mod sqlite;
pub mod users;

pub use migrate::SCHEMA_VERSION;
pub use sql::{Row, Sql, Value, read_tx, write_tx};
pub use sqlite::{OpenMode, SqliteDb, rekey};

use std::path::PathBuf;

/// Everything that can go wrong in the store, each said so a records clerk knows what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("there is no store at {0}; create one with `chartroom init` or `chartroom demo`")]
    NoStore(PathBuf),
    #[error(
        "{0} is not a chartroom store (it is not a database, and no key file of an encrypted store is beside it); check the --db path"
    )]
    NotAStore(PathBuf),
    #[error("{0} is a database but not a chartroom store; check the --db path")]
    ForeignDatabase(PathBuf),
    #[error(
        "{path} was written by a newer chartroom (store version {found}; this program knows up to {known}); install the newer chartroom"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "{0} is encrypted and the key given does not open it; unlock it with `chartroom key unlock`"
    )]
    Encrypted(PathBuf),
    #[error(
        "cannot write to {0}: the file or its folder is read-only or you lack permission; ask your administrator"
    )]
    ReadOnly(PathBuf),
    #[error("cannot create the store at {path}: {reason}")]
    CannotCreate { path: PathBuf, reason: String },
    #[error("the store is busy (another user is saving); try again in a moment")]
    Busy,
    #[error("the disk is full; nothing was saved; free some space and try again")]
    DiskFull,
    #[error("the store file is damaged; run `chartroom check` and call your administrator")]
    Corrupt,
    #[error(
        "someone else changed this record after you opened it; reload it and make your change again"
    )]
    Conflict,
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    Duplicate(String),
    #[error("the store said: {0}")]
    Other(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            return match f.code {
                C::DatabaseBusy | C::DatabaseLocked => StoreError::Busy,
                C::DiskFull => StoreError::DiskFull,
                C::DatabaseCorrupt => StoreError::Corrupt,
                C::ReadOnly | C::CannotOpen | C::PermissionDenied => {
                    StoreError::ReadOnly(PathBuf::from("the store"))
                }
                C::NotADatabase => StoreError::NotAStore(PathBuf::from("the file")),
                C::ConstraintViolation => StoreError::Duplicate(
                    msg.clone()
                        .unwrap_or_else(|| "a record with that number already exists".into()),
                ),
                _ => StoreError::Other(msg.clone().unwrap_or_else(|| f.to_string())),
            };
        }
        StoreError::Other(e.to_string())
    }
}

/// Timestamps are stored as UTC ISO-8601 text.
pub fn iso_utc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// SQLite's own `integrity_check` and `foreign_key_check`; the problems found, if any.
pub fn integrity_problems(db: &dyn Sql) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    for r in db.query("PRAGMA integrity_check", &[])? {
        let msg = r.text(0);
        if msg != "ok" {
            out.push(format!("SQLite integrity: {msg}"));
        }
    }
    for r in db.query("PRAGMA foreign_key_check", &[])? {
        out.push(format!(
            "row {} of {} points at a missing record",
            r.int(1),
            r.text(0)
        ));
    }
    Ok(out)
}
