//! The networked backend: a libSQL server (sqld) over its HTTP protocol (Hrana), through the
//! `libsql` crate in remote-only mode. The crate is async; a current-thread tokio runtime owned
//! by each store runs every call to completion, so `Store`/`Tx` stay synchronous and a store
//! still belongs to one thread at a time, as a file connection does.
//!
//! **Transactions.** Each store is one Hrana stream: a statement outside a transaction runs on
//! a stream of its own that the server closes after it; `BEGIN` keeps the stream (a server-side
//! connection, named by a baton) until `COMMIT` or `ROLLBACK`, so a transaction's statements
//! see one connection. A write begins `BEGIN IMMEDIATE`: the server's write lock at once, as on
//! a file. sqld lets a waiting writer take the lock from a transaction that has held it for
//! about 5 s ("Transaction timed out" at its next statement, rolled back on the server): such a
//! transaction, and one that found the store busy, is run again from the start (a `Work` may
//! be re-run), up to [`RETRIES`] times. A read is `BEGIN DEFERRED`: one snapshot of the
//! server's WAL, which never blocks a writer.
//!
//! **Durability.** sqld fixes `synchronous` itself (NORMAL in WAL mode) and refuses the pragma,
//! so `Durability::Full` and `Relaxed` commit alike: a commit survives a killed process on
//! either side, and an OS crash of the server may lose its newest commits.
//!
//! **Schema version.** sqld refuses `PRAGMA application_id = …`, so the server keeps
//! chartroom's mark and the schema version in a table of its own, `chartroom_meta`, written in
//! the migration's transaction (the file backend keeps its header fields).

mod error;
mod url;

use std::cell::Cell;
use std::time::Duration;

use super::sql::{Backend, Durability, Exec, Row, Store, Tx, Value, Work};
use super::sqlite::APPLICATION_ID;
use super::{Location, OpenMode, StoreError};

pub use error::server_problem;
pub use url::{account_url, check_url};

/// How long one request to the server may take before the store gives up on it.
pub const TIMEOUT: Duration = Duration::from_secs(20);
/// How many times a transaction the server rolled back (busy, or its lock taken) is re-run.
pub const RETRIES: u32 = 4;
/// The oldest SQLite a server may run: `json_each` built in (3.38), UPSERT (3.24).
const MIN_SQLITE: (u32, u32) = (3, 38);

/// A store on a libSQL server.
pub struct RemoteDb {
    rt: tokio::runtime::Runtime,
    conn: libsql::Connection,
    _db: libsql::Database,
    url: String,
    location: Location,
    timeout: Duration,
    in_tx: Cell<bool>,
}

impl RemoteDb {
    /// Connects to the server at `url` with the bearer `token`, checks that it has what
    /// chartroom needs and that it holds a chartroom store (or, with `OpenMode::Create`, an
    /// empty database), and hands it back. Migrations are run by `store::open_server`.
    pub fn connect(url: &str, token: &str, mode: OpenMode) -> Result<Self, StoreError> {
        Self::connect_with(url, token, mode, TIMEOUT)
    }

    /// As [`RemoteDb::connect`], with another time limit per request (tests).
    pub fn connect_with(
        url: &str,
        token: &str,
        mode: OpenMode,
        timeout: Duration,
    ) -> Result<Self, StoreError> {
        check_url(url)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Other(format!("cannot start the network runtime: {e}")))?;
        let builder = libsql::Builder::new_remote(url.to_string(), token.to_string());
        let db = rt
            .block_on(builder.build())
            .map_err(|e| error::map(e, url))?;
        let conn = db.connect().map_err(|e| error::map(e, url))?;
        let store = RemoteDb {
            rt,
            conn,
            _db: db,
            url: url.to_string(),
            location: Location::Server(url.to_string()),
            timeout,
            in_tx: Cell::new(false),
        };
        store.check_features()?;
        store.check_identity(mode)?;
        Ok(store)
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs one request to completion within the time limit.
    fn run<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, libsql::Error>>,
    ) -> Result<T, StoreError> {
        match self
            .rt
            .block_on(async { tokio::time::timeout(self.timeout, fut).await })
        {
            Ok(r) => r.map_err(|e| error::map(e, &self.url)),
            Err(_) => Err(StoreError::ServerTimeout(self.url.clone())),
        }
    }

    /// As `run`, naming the statement when the client could not parse it (SQL text only: the
    /// values travel apart and never reach a message).
    fn run_sql<T>(
        &self,
        sql: &str,
        fut: impl std::future::Future<Output = Result<T, libsql::Error>>,
    ) -> Result<T, StoreError> {
        self.run(fut).map_err(|e| match e {
            StoreError::Other(m) if m.starts_with("the client could not") => {
                let head: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
                let head: String = head.chars().take(80).collect();
                StoreError::Other(format!("{m} (`{head}`)"))
            }
            other => other,
        })
    }

    /// Forgets the stream after a failure: the next statement starts a fresh one (the server
    /// rolls back whatever the old one had open when it expires).
    fn reset(&self) {
        let conn = &self.conn;
        let _ = self
            .rt
            .block_on(async { tokio::time::timeout(Duration::from_secs(2), conn.reset()).await });
    }

    /// What the server lacks of what chartroom's schema and queries use, said plainly.
    fn check_features(&self) -> Result<(), StoreError> {
        let v = self
            .query_row("SELECT sqlite_version()", &[])?
            .map(|r| r.text(0))
            .transpose()?
            .unwrap_or_default();
        let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        let mut lacks = Vec::new();
        if (major, minor) < MIN_SQLITE {
            lacks.push(format!(
                "SQLite {}.{} or newer (it runs {v})",
                MIN_SQLITE.0, MIN_SQLITE.1
            ));
        }
        let options: Vec<String> = self
            .query("SELECT * FROM pragma_compile_options", &[])
            .map_err(|e| server_problem(&self.url, "cannot tell what the server supports", e))?
            .iter()
            .filter_map(|r| r.text(0).ok())
            .collect();
        for (omit, what) in [
            ("OMIT_TRIGGER", "triggers (the append-only audit trail)"),
            ("OMIT_FOREIGN_KEY", "foreign keys"),
            ("OMIT_JSON", "JSON functions (json_each, used by searches)"),
            (
                "OMIT_WITHOUT_ROWID",
                "WITHOUT ROWID tables (the search index)",
            ),
            ("OMIT_UPSERT", "INSERT … ON CONFLICT"),
        ] {
            if options.iter().any(|o| o == omit) {
                lacks.push(what.to_string());
            }
        }
        if lacks.is_empty() {
            // Probe the one function our queries depend on by name, whatever the options say.
            if self
                .query("SELECT value FROM json_each('[1]')", &[])
                .is_err()
            {
                lacks.push("JSON functions (json_each, used by searches)".into());
            }
            // Table-valued pragmas: the server counts `PRAGMA x` as a write (refused to a
            // read-only token and on a replica); `SELECT … FROM pragma_x` is a read.
            let fk = self.count("SELECT foreign_keys FROM pragma_foreign_keys", &[])?;
            if fk != 1 {
                lacks.push("foreign keys turned on for every connection".into());
            }
        }
        if lacks.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Unsupported(format!(
                "the store server at {} lacks what chartroom needs: {}; nothing was changed",
                self.url,
                lacks.join("; ")
            )))
        }
    }

    /// A chartroom store carries its mark in `chartroom_meta`; an empty database may become
    /// one (`Create`); anything else is refused untouched.
    fn check_identity(&self, mode: OpenMode) -> Result<(), StoreError> {
        let tables = self.count(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND name NOT LIKE 'libsql\\_%' ESCAPE '\\' AND name NOT LIKE '\\_litestream%' ESCAPE '\\'",
            &[],
        )?;
        if tables == 0 {
            return match mode {
                OpenMode::Create => Ok(()),
                OpenMode::Existing => Err(StoreError::NoServerStore(self.url.clone())),
            };
        }
        let mark = if self.has_meta()? {
            self.count(
                "SELECT value FROM chartroom_meta WHERE key = 'application_id'",
                &[],
            )?
        } else {
            0
        };
        if mark != APPLICATION_ID {
            return Err(StoreError::ForeignDatabase(self.url.clone().into()));
        }
        Ok(())
    }

    fn has_meta(&self) -> Result<bool, StoreError> {
        Ok(self.count(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'chartroom_meta'",
            &[],
        )? == 1)
    }

    /// One transaction: `begin`, the work, then COMMIT (or ROLLBACK when the work failed).
    fn transaction(&self, begin: &str, work: Work<'_>) -> Result<(), StoreError> {
        if self.in_tx.get() {
            return Err(StoreError::Other(
                "a transaction was started inside another".into(),
            ));
        }
        if let Err(e) = self.run(self.conn.execute(begin, ())) {
            self.reset();
            return Err(e);
        }
        self.in_tx.set(true);
        let r = match work(self) {
            Ok(()) => self
                .run(self.conn.execute("COMMIT", ()))
                .map(|_| ())
                .map_err(|e| error::at_commit(e, &self.url)),
            Err(e) => {
                // The server rolls back on its own when the session is gone or it took the
                // lock away; otherwise say so now rather than when the stream expires.
                if !error::transport(&e) && !self.conn.is_autocommit() {
                    let _ = self.run(self.conn.execute("ROLLBACK", ()));
                }
                Err(e)
            }
        };
        self.in_tx.set(false);
        if r.is_err() {
            self.reset();
        }
        r
    }

    /// Runs a transaction, again from the start while the server rolled it back for a reason
    /// that a second try can clear.
    fn with_retries(&self, begin: &str, work: Work<'_>) -> Result<(), StoreError> {
        let mut tries = 0;
        loop {
            match self.transaction(begin, &mut *work) {
                Err(e) if error::retryable(&e) && tries < RETRIES => {
                    tries += 1;
                    tracing::debug!(tries, "server transaction rolled back; running it again");
                    std::thread::sleep(Duration::from_millis(50 << tries));
                }
                Err(e) if error::retryable(&e) => return Err(StoreError::Busy),
                r => return r,
            }
        }
    }
}

fn to_libsql(v: &Value) -> libsql::Value {
    match v {
        Value::Null => libsql::Value::Null,
        Value::Int(i) => libsql::Value::Integer(*i),
        Value::Real(f) => libsql::Value::Real(*f),
        Value::Text(s) => libsql::Value::Text(s.clone()),
        Value::Blob(b) => libsql::Value::Blob(b.clone()),
    }
}

fn from_libsql(v: libsql::Value) -> Value {
    match v {
        libsql::Value::Null => Value::Null,
        libsql::Value::Integer(i) => Value::Int(i),
        libsql::Value::Real(f) => Value::Real(f),
        libsql::Value::Text(s) => Value::Text(s),
        libsql::Value::Blob(b) => Value::Blob(b),
    }
}

fn params(p: &[Value]) -> libsql::params::Params {
    if p.is_empty() {
        libsql::params::Params::None
    } else {
        libsql::params::Params::Positional(p.iter().map(to_libsql).collect())
    }
}

impl Tx for RemoteDb {
    fn execute(&self, sql: &str, p: &[Value]) -> Result<Exec, StoreError> {
        let rows = self.run_sql(sql, self.conn.execute(sql, params(p)))?;
        Ok(Exec {
            rows,
            id: self.conn.last_insert_rowid(),
        })
    }

    fn query(&self, sql: &str, p: &[Value]) -> Result<Vec<Row>, StoreError> {
        let conn = &self.conn;
        let fut = async move {
            let mut rows = conn.query(sql, params(p)).await?;
            let n = rows.column_count().max(0);
            let mut out = Vec::new();
            while let Some(r) = rows.next().await? {
                let mut vals = Vec::with_capacity(n as usize);
                for i in 0..n {
                    vals.push(from_libsql(r.get_value(i)?));
                }
                out.push(Row(vals));
            }
            Ok(out)
        };
        self.run_sql(sql, fut)
    }

    fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        if !self.in_tx.get() {
            // A Hrana batch runs every step even after one fails: outside a transaction that
            // could leave half a script behind, so it gets a transaction of its own.
            return self.with_retries("BEGIN IMMEDIATE", &mut |tx| tx.execute_batch(sql));
        }
        self.run_sql(sql, self.conn.execute_batch(sql)).map(|_| ())
    }
}

impl Store for RemoteDb {
    fn write(&self, _durability: Durability, work: Work<'_>) -> Result<(), StoreError> {
        self.with_retries("BEGIN IMMEDIATE", work)
    }

    fn read(&self, work: Work<'_>) -> Result<(), StoreError> {
        self.with_retries("BEGIN DEFERRED", work)
    }

    fn backend(&self) -> Backend {
        Backend::Server
    }

    fn location(&self) -> &Location {
        &self.location
    }

    fn integrity_problems(&self) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for r in self.query("SELECT * FROM pragma_integrity_check", &[])? {
            let msg = r.text(0)?;
            if msg != "ok" {
                out.push(format!("SQLite integrity (on the server): {msg}"));
            }
        }
        for r in self.query("SELECT * FROM pragma_foreign_key_check", &[])? {
            out.push(format!(
                "row {} of {} points at a missing record (on the server)",
                r.opt_int(1)?.unwrap_or(0),
                r.text(0)?
            ));
        }
        Ok(out)
    }

    fn rekey(&self, _key: &crate::secrets::DataKey) -> Result<(), StoreError> {
        Err(StoreError::Unsupported(format!(
            "a store on a server ({}) has no chartroom key to change: its encryption at rest is the server's own",
            self.url
        )))
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        if !self.has_meta()? {
            return Ok(0);
        }
        self.count(
            "SELECT value FROM chartroom_meta WHERE key = 'schema_version'",
            &[],
        )
    }

    fn set_schema_version(&self, tx: &dyn Tx, version: i64) -> Result<(), StoreError> {
        tx.execute(
            "CREATE TABLE IF NOT EXISTS chartroom_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
            &[],
        )?;
        for (k, v) in [
            ("schema_version", version),
            ("application_id", APPLICATION_ID),
        ] {
            tx.execute(
                "INSERT INTO chartroom_meta (key, value) VALUES (?, ?) \
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                &[Value::from(k), Value::Int(v)],
            )?;
        }
        Ok(())
    }
}
