//! Users of chartroom, each mapped to an OS login.

use crate::domain::{Role, Text};

use super::StoreError;
use super::sql::{Row, Tx};
use crate::params;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct User {
    pub id: i64,
    pub username: Text,
    pub full_name: Text,
    pub role: Role,
    pub os_login: Option<Text>,
    pub disabled: bool,
    pub locked: bool,
    pub patient_id: Option<i64>,
    pub version: i64,
    /// Wrong passwords typed since the last good one (the account locks at 5).
    pub failed_unlocks: i64,
    /// This user's own idle timeout, overriding the site's.
    pub idle_timeout_s: Option<i64>,
    /// Whether a password has been set (the hash itself is never read into this struct).
    pub has_password: bool,
}

pub(crate) const COLS: &str = "id, username, full_name, role, os_login, disabled, locked, \
     patient_id, version, failed_unlocks, idle_timeout_s, password_hash IS NOT NULL";
/// How many columns [`COLS`] names (a query may add its own after them).
pub(crate) const COL_COUNT: usize = 12;

pub(crate) fn from_row(r: &Row) -> Result<User, StoreError> {
    let id = r.int(0)?;
    Ok(User {
        id,
        username: r.data(1)?,
        full_name: r.data(2)?,
        role: Role::parse(&r.text(3)?)
            .ok_or_else(|| StoreError::Other(format!("user {id} has an unknown role")))?,
        os_login: r.opt_data(4)?,
        disabled: r.flag(5)?,
        locked: r.flag(6)?,
        patient_id: r.opt_int(7)?,
        version: r.int(8)?,
        failed_unlocks: r.int(9)?,
        idle_timeout_s: r.opt_int(10)?,
        has_password: r.flag(11)?,
    })
}

pub fn by_os_login(db: &dyn Tx, login: &str) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {COLS} FROM users WHERE os_login = ?");
    db.query_row(&sql, params![login])?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub fn by_username(db: &dyn Tx, name: &str) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {COLS} FROM users WHERE username = ?");
    db.query_row(&sql, params![name])?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub fn list(db: &dyn Tx) -> Result<Vec<User>, StoreError> {
    let sql = format!("SELECT {COLS} FROM users ORDER BY username");
    db.query(&sql, &[])?.iter().map(from_row).collect()
}

pub fn insert(
    db: &dyn Tx,
    username: &str,
    full_name: &str,
    role: Role,
    os_login: Option<&str>,
    now: &str,
) -> Result<i64, StoreError> {
    Ok(db
        .execute(
            "INSERT INTO users (username, full_name, role, os_login, created_at) VALUES (?,?,?,?,?)",
            params![username, full_name, role.as_str(), os_login, now],
        )?
        .id)
}

pub fn count(db: &dyn Tx) -> Result<i64, StoreError> {
    Ok(db
        .query_row("SELECT count(*) FROM users", &[])?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0))
}

pub fn by_id(db: &dyn Tx, id: i64) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {COLS} FROM users WHERE id = ?");
    db.query_row(&sql, params![id])?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The stored argon2id hash (PHC string), if a password is set.
pub fn password_hash(db: &dyn Tx, id: i64) -> Result<Option<String>, StoreError> {
    Ok(db
        .query_row("SELECT password_hash FROM users WHERE id = ?", params![id])?
        .map(|r| r.opt_text(0))
        .transpose()?
        .flatten())
}

/// One wrong password, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// Wrong passwords in a row now.
    pub count: i64,
    /// The account is locked now.
    pub locked: bool,
    /// This failure locked it.
    pub newly_locked: bool,
    /// It was locked already, so this failure was not counted.
    pub already_locked: bool,
}

/// Counts a wrong password for user `id` inside the caller's write transaction, against the
/// user as stored now (not as read earlier: parallel tries must each count, never conflict),
/// and locks the account when the count reaches `lock_at`. A locked account counts no more.
pub fn count_failure(db: &dyn Tx, id: i64, lock_at: i64) -> Result<Failure, StoreError> {
    let r = db
        .query_row(
            "SELECT failed_unlocks, locked FROM users WHERE id = ?",
            params![id],
        )?
        .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
    let (n, locked) = (r.int(0)?, r.flag(1)?);
    if locked {
        return Ok(Failure {
            count: n,
            locked: true,
            newly_locked: false,
            already_locked: true,
        });
    }
    db.execute(
        "UPDATE users SET failed_unlocks = failed_unlocks + 1, \
         locked = (failed_unlocks + 1 >= ?), version = version + 1 WHERE id = ?",
        params![lock_at, id],
    )?;
    let now_locked = n + 1 >= lock_at;
    Ok(Failure {
        count: n + 1,
        locked: now_locked,
        newly_locked: now_locked,
        already_locked: false,
    })
}

/// A right password: the count goes back to 0 (in the caller's write transaction, against
/// the user as stored now).
pub fn reset_failures(db: &dyn Tx, id: i64) -> Result<(), StoreError> {
    db.execute(
        "UPDATE users SET failed_unlocks = 0, version = version + 1 \
         WHERE id = ? AND failed_unlocks <> 0",
        params![id],
    )?;
    Ok(())
}

/// One column change on a user, guarded by the version read (optimistic concurrency).
pub enum Change<'a> {
    Role(crate::domain::Role),
    Disabled(bool),
    /// Clears the lock and the failed-unlock count.
    Unlocked,
    PasswordHash(&'a str),
    IdleTimeout(Option<i64>),
    PatientLink(Option<i64>),
}

pub fn update(db: &dyn Tx, u: &User, c: Change<'_>) -> Result<(), StoreError> {
    let (set, v): (&str, crate::store::Value) = match c {
        Change::Role(r) => ("role = ?", r.as_str().into()),
        Change::Disabled(d) => ("disabled = ?", d.into()),
        Change::Unlocked => ("locked = 0, failed_unlocks = ?", 0i64.into()),
        Change::PasswordHash(h) => ("password_hash = ?, failed_unlocks = 0", h.into()),
        Change::IdleTimeout(t) => ("idle_timeout_s = ?", t.into()),
        Change::PatientLink(p) => ("patient_id = ?", p.into()),
    };
    let sql = format!("UPDATE users SET {set}, version = version + 1 WHERE id = ? AND version = ?");
    let n = db.execute(&sql, &[v, u.id.into(), u.version.into()])?.rows;
    if n == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}
