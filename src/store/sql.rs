//! The one small SQL interface every repository is written against, so that a second
//! backend (a libSQL server) can stand in for the local SQLite file without rewriting them.
//!
//! [`Tx`] runs statements; [`Store`] adds what only the owner of a connection may do:
//! transactions (as closures the backend runs, commits and rolls back), durability, the
//! integrity check, re-keying and the schema version. A repository function takes `&dyn Tx`,
//! so it cannot start or end a transaction of its own.

use super::{Location, StoreError};

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    /// The storage class's name, for messages ("a text where an integer belongs").
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "empty value",
            Value::Int(_) => "integer",
            Value::Real(_) => "real number",
            Value::Text(_) => "text",
            Value::Blob(_) => "blob",
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(v as i64)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<&crate::domain::Text> for Value {
    fn from(v: &crate::domain::Text) -> Self {
        Value::Text(v.raw().to_string())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One result row. Reads are strict: a value of another type than asked for is an error
/// ([`StoreError::BadValue`]), never a silent 0 or "".
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn get(&self, i: usize) -> Result<&Value, StoreError> {
        self.0.get(i).ok_or(StoreError::BadValue {
            column: i,
            expected: "a value",
            found: "no column",
        })
    }

    fn bad(&self, i: usize, expected: &'static str) -> StoreError {
        StoreError::BadValue {
            column: i,
            expected,
            found: self.0.get(i).map_or("no column", Value::kind),
        }
    }

    /// The raw value, for code that must see the stored type itself (the audit chain).
    pub fn value(&self, i: usize) -> Option<&Value> {
        self.0.get(i)
    }

    pub fn int(&self, i: usize) -> Result<i64, StoreError> {
        match self.get(i)? {
            Value::Int(v) => Ok(*v),
            _ => Err(self.bad(i, "integer")),
        }
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.get(i)? {
            Value::Int(v) => Ok(Some(*v)),
            Value::Null => Ok(None),
            _ => Err(self.bad(i, "integer")),
        }
    }

    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        match self.get(i)? {
            Value::Text(s) => Ok(s.clone()),
            _ => Err(self.bad(i, "text")),
        }
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.get(i)? {
            Value::Text(s) => Ok(Some(s.clone())),
            Value::Null => Ok(None),
            _ => Err(self.bad(i, "text")),
        }
    }

    /// Text that came from outside (names, titles, notes): shown only sanitized.
    pub fn data(&self, i: usize) -> Result<crate::domain::Text, StoreError> {
        self.text(i).map(crate::domain::Text::from)
    }

    pub fn opt_data(&self, i: usize) -> Result<Option<crate::domain::Text>, StoreError> {
        Ok(self.opt_text(i)?.map(crate::domain::Text::from))
    }

    pub fn blob(&self, i: usize) -> Result<&[u8], StoreError> {
        match self.get(i)? {
            Value::Blob(b) => Ok(b),
            _ => Err(self.bad(i, "blob")),
        }
    }

    /// A 0/1 flag.
    pub fn flag(&self, i: usize) -> Result<bool, StoreError> {
        match self.get(i)? {
            Value::Int(0) => Ok(false),
            Value::Int(1) => Ok(true),
            _ => Err(self.bad(i, "0 or 1")),
        }
    }
}

/// What a statement did: the rows it changed and, for an INSERT, the new row's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exec {
    pub rows: u64,
    /// The rowid of the row inserted (meaningful after an INSERT that changed a row).
    pub id: i64,
}

/// How hard a commit must hold: `Full` survives a power cut; `Relaxed` survives a killed
/// process (the row is in the log before the commit returns) but an OS crash may lose the
/// newest commits. Relaxed is for the audit rows of reads (see `service::audit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Full,
    Relaxed,
}

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A local SQLite (SQLCipher) file.
    File,
    /// A libSQL server.
    Server,
}

/// Statements, inside a transaction or on their own.
pub trait Tx {
    /// Runs one statement.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Exec, StoreError>;
    /// Runs one query and returns every row.
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Runs several statements with no parameters (schema changes).
    fn execute_batch(&self, sql: &str) -> Result<(), StoreError>;

    /// The first row, if any.
    fn query_row(&self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The integer in the first column of the first row (`count(*)`, `max(id)`); 0 when there
    /// is no row or the value is NULL.
    fn count(&self, sql: &str, params: &[Value]) -> Result<i64, StoreError> {
        match self.query_row(sql, params)? {
            Some(r) => Ok(r.opt_int(0)?.unwrap_or(0)),
            None => Ok(0),
        }
    }
}

/// A work unit for [`Store::write`] and [`Store::read`]. It may be run more than once (a
/// backend may retry a transaction that lost a race), so it must not keep effects of a
/// failed run.
pub type Work<'a> = &'a mut dyn FnMut(&dyn Tx) -> Result<(), StoreError>;

/// What key a copy of a store is written under.
#[derive(Clone, Copy)]
pub enum CopyKey<'a> {
    /// The store's own: its data key if it is encrypted, none if it is plain.
    Own,
    /// Plain (only to decrypt a copy on its way back into a plain store).
    Plain,
    /// Encrypted under this key.
    Key(&'a crate::secrets::DataKey),
}

/// Told (pages left, pages in all) as a copy goes.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// An open store: a connection to one backend.
pub trait Store: Tx + Send {
    /// Runs `work` in a write transaction that takes the write lock at once, and commits with
    /// the durability asked for; rolls back when `work` fails.
    fn write(&self, durability: Durability, work: Work<'_>) -> Result<(), StoreError>;
    /// Runs `work` in a read transaction: one consistent snapshot, never blocking writers.
    fn read(&self, work: Work<'_>) -> Result<(), StoreError>;
    fn backend(&self) -> Backend;
    fn location(&self) -> &Location;
    /// The engine's own integrity and foreign-key checks; the problems found, if any.
    fn integrity_problems(&self) -> Result<Vec<String>, StoreError>;
    /// Re-encrypts the store under a new key (only an encrypted file can).
    fn rekey(&self, key: &crate::secrets::DataKey) -> Result<(), StoreError>;
    /// The schema version the store is at.
    fn schema_version(&self) -> Result<i64, StoreError>;
    /// Sets the schema version (and the chartroom mark), inside a migration's transaction.
    fn set_schema_version(&self, tx: &dyn Tx, version: i64) -> Result<(), StoreError>;
    /// Whether the store is encrypted at rest.
    fn encrypted(&self) -> bool {
        false
    }
    /// The data key of an encrypted local file (to open a copy made under it).
    fn data_key(&self) -> Option<crate::secrets::DataKey> {
        None
    }
    /// Copies the store, consistently while others use it, into the new file `dest`.
    fn backup_to(
        &self,
        _dest: &std::path::Path,
        _key: CopyKey<'_>,
        _progress: Progress<'_>,
    ) -> Result<(), StoreError> {
        Err(StoreError::Unsupported(
            "this store cannot be backed up from here yet".into(),
        ))
    }
    /// Replaces the store's content, in place and while it is open, with the store file
    /// `src` (keyed with `key`, which must be as encrypted as this store is).
    fn restore_from(
        &self,
        _src: &std::path::Path,
        _key: Option<&crate::secrets::DataKey>,
        _progress: Progress<'_>,
    ) -> Result<(), StoreError> {
        Err(StoreError::Unsupported(
            "this store cannot be restored from here yet".into(),
        ))
    }
}

/// Runs `f` in a write transaction ([`Store::write`]) and returns what it returned.
pub fn write_tx<T>(
    db: &dyn Store,
    durability: Durability,
    mut f: impl FnMut(&dyn Tx) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut out = None;
    db.write(durability, &mut |tx| {
        out = Some(f(tx)?);
        Ok(())
    })?;
    out.ok_or_else(|| StoreError::Other("the transaction did not run".into()))
}

/// Runs `f` in a read snapshot ([`Store::read`]) and returns what it returned.
pub fn read_tx<T>(
    db: &dyn Store,
    mut f: impl FnMut(&dyn Tx) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut out = None;
    db.read(&mut |tx| {
        out = Some(f(tx)?);
        Ok(())
    })?;
    out.ok_or_else(|| StoreError::Other("the transaction did not run".into()))
}

/// `?` macro-free parameter lists: `params![a, b, c]`.
#[macro_export]
macro_rules! params {
    () => { &[] as &[$crate::store::Value] };
    ($($v:expr),+ $(,)?) => { &[$($crate::store::Value::from($v)),+] as &[$crate::store::Value] };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_strict_about_types() {
        let r = Row(vec![
            Value::Int(3),
            Value::Text("x".into()),
            Value::Null,
            Value::Blob(vec![1]),
            Value::Real(1.5),
        ]);
        assert_eq!(r.int(0).unwrap(), 3);
        assert!(matches!(
            r.int(1),
            Err(StoreError::BadValue { column: 1, .. })
        ));
        assert!(r.int(2).is_err(), "NULL is not 0");
        assert_eq!(r.opt_int(2).unwrap(), None);
        assert!(r.opt_int(3).is_err());
        assert_eq!(r.text(1).unwrap(), "x");
        assert!(r.text(0).is_err(), "an integer is not text");
        assert!(r.opt_text(3).is_err(), "a blob is not text");
        assert_eq!(r.blob(3).unwrap(), &[1]);
        assert!(r.blob(1).is_err());
        assert!(r.int(4).is_err(), "a real is not an integer");
        assert!(r.flag(0).is_err(), "3 is not a flag");
        assert!(r.int(9).is_err(), "no such column");
    }
}
