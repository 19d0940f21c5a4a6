//! Users of chartroom, each mapped to an OS login.

use crate::domain::Role;

use super::StoreError;
use super::sql::{Row, Sql};
use crate::params;

#[derive(Debug, Clone, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub os_login: Option<String>,
    pub disabled: bool,
    pub locked: bool,
    pub patient_id: Option<i64>,
    pub version: i64,
}

const COLS: &str = "id, username, full_name, role, os_login, disabled, locked, patient_id, version";

fn from_row(r: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: r.int(0),
        username: r.text(1),
        full_name: r.text(2),
        role: Role::parse(&r.text(3))
            .ok_or_else(|| StoreError::Other(format!("user {} has an unknown role", r.int(0))))?,
        os_login: r.opt_text(4),
        disabled: r.flag(5),
        locked: r.flag(6),
        patient_id: r.opt_int(7),
        version: r.int(8),
    })
}

pub fn by_os_login(db: &dyn Sql, login: &str) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {COLS} FROM users WHERE os_login = ?");
    db.query_row(&sql, params![login])?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub fn by_username(db: &dyn Sql, name: &str) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {COLS} FROM users WHERE username = ?");
    db.query_row(&sql, params![name])?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub fn list(db: &dyn Sql) -> Result<Vec<User>, StoreError> {
    let sql = format!("SELECT {COLS} FROM users ORDER BY username");
    db.query(&sql, &[])?.iter().map(from_row).collect()
}

pub fn insert(
    db: &dyn Sql,
    username: &str,
    full_name: &str,
    role: Role,
    os_login: Option<&str>,
    now: &str,
) -> Result<i64, StoreError> {
    db.execute(
        "INSERT INTO users (username, full_name, role, os_login, created_at) VALUES (?,?,?,?,?)",
        params![username, full_name, role.as_str(), os_login, now],
    )?;
    Ok(db.last_insert_id())
}

pub fn count(db: &dyn Sql) -> Result<i64, StoreError> {
    Ok(db
        .query_row("SELECT count(*) FROM users", &[])?
        .map(|r| r.int(0))
        .unwrap_or(0))
}
