//! The one small SQL interface every repository is written against, so that a second
//! backend (a libSQL server) can stand in for the local SQLite file without rewriting them.

use super::StoreError;

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
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

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    pub fn int(&self, i: usize) -> i64 {
        match self.0.get(i) {
            Some(Value::Int(v)) => *v,
            Some(Value::Real(v)) => *v as i64,
            _ => 0,
        }
    }
    pub fn opt_int(&self, i: usize) -> Option<i64> {
        match self.0.get(i) {
            Some(Value::Int(v)) => Some(*v),
            _ => None,
        }
    }
    pub fn text(&self, i: usize) -> String {
        self.opt_text(i).unwrap_or_default()
    }
    pub fn opt_text(&self, i: usize) -> Option<String> {
        match self.0.get(i) {
            Some(Value::Text(s)) => Some(s.clone()),
            Some(Value::Int(v)) => Some(v.to_string()),
            _ => None,
        }
    }
    pub fn blob(&self, i: usize) -> &[u8] {
        match self.0.get(i) {
            Some(Value::Blob(b)) => b,
            _ => &[],
        }
    }
    pub fn flag(&self, i: usize) -> bool {
        self.int(i) != 0
    }
}

/// Execute and query with positional parameters, and transactions.
pub trait Sql {
    /// Runs one statement; returns the number of rows changed.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    /// Runs one query and returns every row.
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// The rowid of the last row inserted on this connection.
    fn last_insert_id(&self) -> i64;
    /// Starts a write transaction that takes the write lock at once (`BEGIN IMMEDIATE`).
    fn begin_write(&self) -> Result<(), StoreError>;
    /// Starts a read transaction: one consistent snapshot for several queries.
    fn begin_read(&self) -> Result<(), StoreError>;
    fn commit(&self) -> Result<(), StoreError>;
    fn rollback(&self) -> Result<(), StoreError>;
    /// A short name of the backend for messages ("file", "server").
    fn backend_name(&self) -> &'static str;
    /// Runs several statements with no parameters (schema changes).
    fn execute_batch(&self, sql: &str) -> Result<(), StoreError>;

    /// The first row, if any.
    fn query_row(&self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// Runs `f` inside `BEGIN IMMEDIATE … COMMIT`; rolls back on error.
pub fn write_tx<T>(
    db: &dyn Sql,
    f: impl FnOnce(&dyn Sql) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    db.begin_write()?;
    match f(db) {
        Ok(v) => {
            if let Err(e) = db.commit() {
                let _ = db.rollback();
                return Err(e);
            }
            Ok(v)
        }
        Err(e) => {
            let _ = db.rollback();
            Err(e)
        }
    }
}

/// Runs `f` inside a read transaction (one snapshot).
pub fn read_tx<T>(
    db: &dyn Sql,
    f: impl FnOnce(&dyn Sql) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    db.begin_read()?;
    let r = f(db);
    let _ = db.commit();
    r
}

/// `?` macro-free parameter lists: `params![a, b, c]`.
#[macro_export]
macro_rules! params {
    () => { &[] as &[$crate::store::Value] };
    ($($v:expr),+ $(,)?) => { &[$($crate::store::Value::from($v)),+] as &[$crate::store::Value] };
}
