//! The store: SQLite through rusqlite, behind the small [`Store`]/[`Tx`] interface.
//! Returns domain types; never imports the terminal layer or anything above it.

pub mod audit;
pub mod bulk;
pub mod chart;
mod copy;
pub mod diagnose;
pub mod history;
mod location;
mod migrate;
pub mod patients;
pub mod providers;
mod remote;
pub mod rights;
pub mod search_index;
pub mod site;
pub mod sql;
mod sqlite;
pub mod transfer;
pub mod users;

pub use copy::{overwrite_damaged, remove_with_sidecars, salvage_audit};
pub use location::{DEFAULT_PORT, Location, ServiceAddr};
pub use migrate::SCHEMA_VERSION;
pub use remote::{RemoteDb, account_url, check_url};
pub use sql::{
    Backend, CopyKey, Durability, Exec, Progress, Row, Store, Tx, Value, read_tx, write_tx,
};
pub use sqlite::{OpenMode, SqliteDb};

use std::path::{Path, PathBuf};

/// Opens a store file (creating it when `mode` says so), runs the migrations it needs, and
/// hands it back behind the backend-neutral interface. `key`: the data key of an encrypted
/// file (see `service::keys`).
pub fn open_file(
    path: &Path,
    mode: OpenMode,
    key: Option<&crate::secrets::DataKey>,
) -> Result<SqliteDb, StoreError> {
    let db = SqliteDb::connect(path, mode, key)?;
    migrate::run(&db)?;
    Ok(db)
}

/// Connects to a store on a libSQL server with the bearer `token` (creating an empty
/// chartroom store in an empty database when `mode` says so) and migrates it.
pub fn open_server(url: &str, token: &str, mode: OpenMode) -> Result<RemoteDb, StoreError> {
    let db = RemoteDb::connect(url, token, mode)?;
    migrate::run(&db)?;
    Ok(db)
}

/// Opens a store wherever it lives (a plain file, or a server with its credential) and
/// migrates it.
pub fn open_with(
    loc: &Location,
    mode: OpenMode,
    token: Option<&str>,
) -> Result<Box<dyn Store>, StoreError> {
    match (loc, token) {
        (Location::File(p), _) => Ok(Box::new(open_file(p, mode, None)?)),
        (Location::Server(u), Some(t)) => Ok(Box::new(open_server(u, t, mode)?)),
        (Location::Server(u), None) => Err(StoreError::NoServerToken(account_url(u))),
        (Location::Service(a), _) => Err(StoreError::Unsupported(format!(
            "{a} is a records server, not a store: it is reached through the service, never opened as a store"
        ))),
    }
}

/// Opens a store file, or says that a server needs its credential (see `open_with`).
pub fn open(loc: &Location, mode: OpenMode) -> Result<Box<dyn Store>, StoreError> {
    open_with(loc, mode, None)
}

/// Everything that can go wrong in the store, each said so a records clerk knows what to do.
#[derive(Debug, thiserror::Error, serde::Serialize, serde::Deserialize)]
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
        "{location} was written by a newer chartroom (store version {found}; this program knows up to {known}); install the newer chartroom (if none was ever installed, the store's version marker is damaged: run `chartroom check`)"
    )]
    TooNew {
        location: String,
        found: i64,
        known: i64,
    },
    #[error(
        "the store holds a {found} where a {expected} belongs (column {column}); run `chartroom check` and call your administrator"
    )]
    BadValue {
        column: usize,
        #[serde(deserialize_with = "crate::domain::wire::name")]
        expected: crate::domain::wire::Name,
        #[serde(deserialize_with = "crate::domain::wire::name")]
        found: crate::domain::wire::Name,
    },
    #[error("{0}")]
    BadLocation(String),
    #[error("{0}")]
    Unsupported(String),
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
        "{0} is an empty file, not a chartroom store; make a store there with `chartroom init --db {0}`, or check the --db path"
    )]
    EmptyFile(PathBuf),
    #[error(
        "the store's version marker ({marker}) does not match its tables: it was changed or damaged, and nothing was changed; run `chartroom check` to see what to do"
    )]
    DamagedVersion { marker: i64 },
    #[error(
        "the store could not be read or written ({0}); run `chartroom check` and call your administrator"
    )]
    Io(String),
    #[error(
        "someone else changed this record after you opened it; reload it and make your change again"
    )]
    Conflict,
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    Duplicate(String),
    #[error(
        "there is no chartroom store on the server at {0}; an administrator makes one with `chartroom init --db {0}` or copies one there with `chartroom store copy FILE {0}`"
    )]
    NoServerStore(String),
    #[error(
        "no credential for the store server {0} is kept in this account's keyring; the administrator of this account stores it with `chartroom server token set {0}`"
    )]
    NoServerToken(String),
    #[error(
        "the store server at {url} refused the credential ({why}); store a valid one with `chartroom server token set {url}`; nothing was saved"
    )]
    ServerRefused { url: String, why: String },
    #[error(
        "the credential for the store server {0} has expired (the server answered 401: the token's time is up); ask for a new token and store it with `chartroom server token set {0}`; nothing was saved"
    )]
    TokenExpired(String),
    #[error(
        "the credential for the store server {0} may only read, so the server refused to save (403); nothing was saved; ask for a read-write credential"
    )]
    ReadOnlyToken(String),
    #[error(
        "the store server at {url} cannot be reached ({why}); nothing was saved; check the address and the network, then try again"
    )]
    Unreachable { url: String, why: String },
    #[error(
        "the connection to the store server at {url} was lost ({why}); nothing was saved; try again when it is back"
    )]
    ServerLost { url: String, why: String },
    #[error(
        "the store server at {0} did not answer in time; nothing was saved; try again in a moment"
    )]
    ServerTimeout(String),
    #[error(
        "the connection to the store server at {0} broke while it was saving: the change may or may not have been saved; look at the record before you save it again"
    )]
    CommitUnknown(String),
    #[error(
        "the server rolled the change back because another user's save was waiting; nothing was saved; try again"
    )]
    TxTakenOver,
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
                C::SystemIoFailure => {
                    StoreError::Io(msg.clone().unwrap_or_else(|| "disk I/O error".into()))
                }
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

/// Whether `path` is an existing, empty (0-byte) regular file: not a store, but the one
/// thing `chartroom init` may turn into one.
pub fn is_empty_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0)
}

/// Whether the file system holding `path` is full (less than 64 KiB free): SQLite reports
/// a write that found no room as a "disk I/O error" when not even a page was left.
pub fn disk_full(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: statvfs writes into the zeroed struct we own.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return false;
    }
    let free = (st.f_bavail as u64).min(st.f_bfree as u64) * st.f_frsize as u64;
    free < 64 * 1024
}

/// Timestamps are stored as UTC ISO-8601 text.
pub fn iso_utc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
