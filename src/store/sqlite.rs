//! The local-file backend: one rusqlite connection.

use std::fs::OpenOptions;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, types::ValueRef};

use super::sql::{Backend, Durability, Exec, Row, Store, Tx, Value, Work};
use super::{Location, StoreError};

/// `application_id` in the SQLite header: "CHRT".
pub const APPLICATION_ID: i64 = 0x4348_5254;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The store must exist.
    Existing,
    /// Create the file (mode 0600) when it does not exist.
    Create,
}

pub struct SqliteDb {
    conn: Connection,
    path: PathBuf,
    location: Location,
    /// The data key of an encrypted file (a backup or a restore opens a second connection).
    key: std::cell::RefCell<Option<crate::secrets::DataKey>>,
}

impl SqliteDb {
    /// Connects to (or creates) a chartroom store file and sets the connection up: WAL
    /// (readers never block the writer), foreign keys on, a 5 s busy timeout, and
    /// `synchronous = FULL`: every commit is on disk before we say "saved". Records work is
    /// a few writes a minute per clerk, so the fsync costs nothing anyone notices, and a power
    /// cut never loses a saved edit or an audit row (NORMAL could lose the last commits).
    /// Migrations are not run here: `store::open_file` runs them, for every backend alike.
    ///
    /// With `key`, the file is SQLCipher-encrypted: the key is applied before anything else
    /// touches the file and checked with a read; a key that does not fit is
    /// [`StoreError::Encrypted`] and leaves the file unchanged.
    pub fn connect(
        path: &Path,
        mode: OpenMode,
        key: Option<&crate::secrets::DataKey>,
    ) -> Result<Self, StoreError> {
        Self::open_inner(path, mode, key)
    }

    fn open_inner(
        path: &Path,
        mode: OpenMode,
        key: Option<&crate::secrets::DataKey>,
    ) -> Result<Self, StoreError> {
        configure_sqlite();
        let exists = path.exists();
        if !exists && mode == OpenMode::Existing {
            return Err(StoreError::NoStore(path.to_path_buf()));
        }
        // An empty file is no store: only `chartroom init` (OpenMode::Create) may make one of it.
        let empty = super::is_empty_file(path);
        if empty && mode == OpenMode::Existing {
            return Err(StoreError::EmptyFile(path.to_path_buf()));
        }
        if empty {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| io_err(path, e))?;
        } else if exists && key.is_none() {
            check_header(path).map_err(|e| match e {
                StoreError::NotAStore(_) if crate::secrets::is_encrypted(path) => {
                    StoreError::Encrypted(path.to_path_buf())
                }
                other => other,
            })?;
        } else if !exists {
            create_private_file(path)?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| map_open(e, path))?;
        if let Some(k) = key {
            apply_key(&conn, path, k)?;
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| map_open(e, path))?;
        let db = SqliteDb {
            conn,
            path: path.to_path_buf(),
            location: Location::File(path.to_path_buf()),
            key: std::cell::RefCell::new(key.cloned()),
        };
        db.check_identity()?;
        db.conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            .map_err(|e| map_open(e, path))?;
        db.conn
            .execute_batch(
                "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; \
                 PRAGMA cache_size = -32768; PRAGMA mmap_size = 1073741824; \
                 PRAGMA temp_store = MEMORY;",
            )
            .map_err(|e| map_open(e, path))?;
        Ok(db)
    }

    fn check_identity(&self) -> Result<(), StoreError> {
        let p = &self.path;
        let app: i64 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| map_open(e, p))?;
        let tables: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| map_open(e, p))?;
        if app != APPLICATION_ID && (app != 0 || tables != 0) {
            return Err(StoreError::ForeignDatabase(p.clone()));
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rusqlite connection, for the bulk loader and the backup copy only.
    pub(crate) fn raw(&self) -> &Connection {
        &self.conn
    }

    /// The data key, when the file is encrypted.
    pub(crate) fn key(&self) -> Option<crate::secrets::DataKey> {
        self.key.borrow().clone()
    }
}

/// Gives SQLCipher the raw key (`x'…'`, no PBKDF2) and checks it with a read. The SQL text
/// holding the key lives in a buffer zeroed on drop and never reaches an error message.
pub(crate) fn apply_key(
    conn: &Connection,
    path: &Path,
    key: &crate::secrets::DataKey,
) -> Result<(), StoreError> {
    // SQLCipher logs a failed HMAC check on stderr; a wrong key is reported by us instead.
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
    let lit = key.sqlcipher_literal();
    let mut sql = zeroize::Zeroizing::new(String::with_capacity(96));
    sql.push_str("PRAGMA key = \"");
    sql.push_str(&lit);
    sql.push_str("\";");
    conn.execute_batch(&sql)
        .map_err(|_| StoreError::Other("SQLCipher refused the key".into()))?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(StoreError::Encrypted(path.to_path_buf()))
        }
        Err(e) => Err(map_open(e, path)),
    }
}

/// Re-keys an open encrypted store (SQLCipher `PRAGMA rekey`). The journal leaves WAL mode
/// for the re-key (so no frame under the old key is left behind) and returns to it after.
fn rekey(db: &SqliteDb, key: &crate::secrets::DataKey) -> Result<(), StoreError> {
    // Leaving WAL needs the only connection; another open session keeps it in WAL.
    let mode = match db.query_row("PRAGMA journal_mode = DELETE", &[]) {
        Ok(r) => r.map(|r| r.text(0)).transpose()?.unwrap_or_default(),
        Err(StoreError::Busy) => String::new(),
        Err(e) => return Err(e),
    };
    if !mode.eq_ignore_ascii_case("delete") {
        db.query("PRAGMA journal_mode = WAL", &[])?;
        return Err(StoreError::Other(
            "another chartroom session has this store open; close every other session, then re-key; nothing was changed"
                .into(),
        ));
    }
    let lit = key.sqlcipher_literal();
    let mut sql = zeroize::Zeroizing::new(String::with_capacity(96));
    sql.push_str("PRAGMA rekey = \"");
    sql.push_str(&lit);
    sql.push_str("\";");
    let r = db.execute_batch(&sql).map_err(|_| {
        StoreError::Other("SQLCipher could not re-key the store; nothing was changed".into())
    });
    db.query("PRAGMA journal_mode = WAL", &[])?;
    r
}

/// Turns off SQLite's global memory statistics before its first use: they take a global mutex
/// on every allocation, which costs a tenth of the time of a bulk load and buys us nothing.
fn configure_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config may be called before SQLite is initialised, which is what
        // the Once guarantees for our first connection; afterwards it returns SQLITE_MISUSE
        // harmlessly.
        unsafe {
            rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0 as libc::c_int);
        }
    });
}

/// Refuses a file that is not an SQLite database before SQLite touches it, so a wrong
/// `--db` (say a copy of /etc/passwd) is left byte-for-byte unchanged.
fn check_header(path: &Path) -> Result<(), StoreError> {
    let meta = std::fs::metadata(path).map_err(|e| io_err(path, e))?;
    if !meta.is_file() {
        return Err(StoreError::NotAStore(path.to_path_buf()));
    }
    if meta.len() == 0 {
        return Ok(());
    }
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let n = f.read(&mut head).map_err(|e| io_err(path, e))?;
    if n < 16 || &head != b"SQLite format 3\0" {
        return Err(StoreError::NotAStore(path.to_path_buf()));
    }
    Ok(())
}

pub(crate) fn create_private_file(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_err(path, e))?;
    }
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io_err(path, e))?;
    Ok(())
}

pub(crate) fn io_err(path: &Path, e: std::io::Error) -> StoreError {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            StoreError::ReadOnly(path.to_path_buf())
        }
        std::io::ErrorKind::StorageFull => StoreError::DiskFull,
        _ => StoreError::CannotCreate {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
    }
}

pub(crate) fn map_open(e: rusqlite::Error, path: &Path) -> StoreError {
    match StoreError::from(e) {
        StoreError::NotAStore(_) => StoreError::NotAStore(path.to_path_buf()),
        StoreError::ReadOnly(_) if super::disk_full(path) => StoreError::DiskFull,
        StoreError::ReadOnly(_) => StoreError::ReadOnly(path.to_path_buf()),
        other => full(other, path),
    }
}

/// A write that failed for want of room says so, whatever SQLite called it ("disk I/O
/// error" when not even one page was left).
fn full(e: StoreError, path: &Path) -> StoreError {
    match e {
        StoreError::Io(_) | StoreError::CannotCreate { .. } if super::disk_full(path) => {
            StoreError::DiskFull
        }
        other => other,
    }
}

fn to_sql(v: &Value) -> rusqlite::types::ToSqlOutput<'_> {
    use rusqlite::types::{ToSqlOutput, ValueRef as R};
    ToSqlOutput::Borrowed(match v {
        Value::Null => R::Null,
        Value::Int(i) => R::Integer(*i),
        Value::Real(f) => R::Real(*f),
        Value::Text(s) => R::Text(s.as_bytes()),
        Value::Blob(b) => R::Blob(b),
    })
}

pub(crate) fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

impl SqliteDb {
    /// Ends a transaction: COMMIT when `work` succeeded, else ROLLBACK.
    fn finish(&self, r: Result<(), StoreError>) -> Result<(), StoreError> {
        match r {
            Ok(()) => match self.conn.execute_batch("COMMIT") {
                Ok(()) => Ok(()),
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    Err(map_open(e, &self.path))
                }
            },
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

impl Tx for SqliteDb {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Exec, StoreError> {
        let run = || -> Result<Exec, StoreError> {
            let mut st = self.conn.prepare_cached(sql)?;
            let p: Vec<_> = params.iter().map(to_sql).collect();
            let rows = st.execute(rusqlite::params_from_iter(p))? as u64;
            Ok(Exec {
                rows,
                id: self.conn.last_insert_rowid(),
            })
        };
        run().map_err(|e| full(e, &self.path))
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.query_inner(sql, params)
            .map_err(|e| full(e, &self.path))
    }

    fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        self.conn
            .execute_batch(sql)
            .map_err(|e| map_open(e, &self.path))
    }
}

impl SqliteDb {
    fn query_inner(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut st = self.conn.prepare_cached(sql)?;
        let n = st.column_count();
        let p: Vec<_> = params.iter().map(to_sql).collect();
        let mut rows = st.query(rusqlite::params_from_iter(p))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut vals = Vec::with_capacity(n);
            for i in 0..n {
                vals.push(from_sql(r.get_ref(i)?));
            }
            out.push(Row(vals));
        }
        Ok(out)
    }
}

impl Store for SqliteDb {
    fn write(&self, durability: Durability, work: Work<'_>) -> Result<(), StoreError> {
        let relaxed = durability == Durability::Relaxed;
        if relaxed {
            self.conn
                .execute_batch("PRAGMA synchronous = NORMAL")
                .map_err(|e| map_open(e, &self.path))?;
        }
        let r = match self.conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => {
                let r = work(self);
                self.finish(r)
            }
            Err(e) => Err(map_open(e, &self.path)),
        };
        if relaxed {
            // Back to FULL for everything else; if even that fails, say so rather than go on.
            self.conn
                .execute_batch("PRAGMA synchronous = FULL")
                .map_err(|e| map_open(e, &self.path))?;
        }
        r.map_err(|e| full(e, &self.path))
    }

    fn read(&self, work: Work<'_>) -> Result<(), StoreError> {
        self.conn
            .execute_batch("BEGIN DEFERRED")
            .map_err(|e| map_open(e, &self.path))?;
        let r = work(self);
        self.finish(r)
    }

    fn backend(&self) -> Backend {
        Backend::File
    }

    fn location(&self) -> &Location {
        &self.location
    }

    fn integrity_problems(&self) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for r in self.query("PRAGMA integrity_check", &[])? {
            let msg = r.text(0)?;
            if msg != "ok" {
                out.push(format!("SQLite integrity: {msg}"));
            }
        }
        for r in self.query("PRAGMA foreign_key_check", &[])? {
            out.push(format!(
                "row {} of {} points at a missing record",
                r.opt_int(1)?.unwrap_or(0),
                r.text(0)?
            ));
        }
        Ok(out)
    }

    fn rekey(&self, key: &crate::secrets::DataKey) -> Result<(), StoreError> {
        rekey(self, key)?;
        *self.key.borrow_mut() = Some(key.clone());
        Ok(())
    }

    fn encrypted(&self) -> bool {
        self.key.borrow().is_some()
    }

    fn data_key(&self) -> Option<crate::secrets::DataKey> {
        self.key()
    }

    fn backup_to(
        &self,
        dest: &Path,
        key: super::sql::CopyKey<'_>,
        progress: super::sql::Progress<'_>,
    ) -> Result<(), StoreError> {
        super::copy::backup_to(self, dest, key, progress)
    }

    fn restore_from(
        &self,
        src: &Path,
        key: Option<&crate::secrets::DataKey>,
        progress: super::sql::Progress<'_>,
    ) -> Result<(), StoreError> {
        super::copy::restore_from(self, src, key, progress)
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        self.query_row("PRAGMA user_version", &[])?
            .map(|r| r.int(0))
            .transpose()
            .map(|v| v.unwrap_or(0))
    }

    fn set_schema_version(&self, tx: &dyn Tx, version: i64) -> Result<(), StoreError> {
        tx.execute_batch(&format!(
            "PRAGMA user_version = {version}; PRAGMA application_id = {APPLICATION_ID};"
        ))
    }
}
