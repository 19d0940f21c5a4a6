//! The audit trail: append-only rows (triggers refuse UPDATE and DELETE).

use super::StoreError;
use super::sql::Sql;
use crate::params;

/// One event to record. Never carries PHI beyond ids: no names, no query text, no SSNs.
#[derive(Debug, Clone, Default)]
pub struct AuditEvent {
    pub at: String,
    pub user_id: Option<i64>,
    pub username: String,
    pub os_login: Option<String>,
    pub origin: Option<String>,
    pub action: &'static str,
    pub patient_id: Option<i64>,
    pub object: Option<String>,
    pub outcome: &'static str,
    pub detail: Option<String>,
}

pub fn append(db: &dyn Sql, e: &AuditEvent) -> Result<i64, StoreError> {
    db.execute(
        "INSERT INTO audit (at, user_id, username, os_login, origin, action, patient_id, object, \
         outcome, detail) VALUES (?,?,?,?,?,?,?,?,?,?)",
        params![
            e.at.as_str(),
            e.user_id,
            e.username.as_str(),
            e.os_login.clone(),
            e.origin.clone(),
            e.action,
            e.patient_id,
            e.object.clone(),
            e.outcome,
            e.detail.clone(),
        ],
    )?;
    Ok(db.last_insert_id())
}

/// An audit row as read back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub username: String,
    pub action: String,
    pub patient_id: Option<i64>,
    pub object: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

/// The newest rows first.
pub fn recent(
    db: &dyn Sql,
    patient_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    let rows = match patient_id {
        Some(p) => db.query(
            "SELECT id, at, username, action, patient_id, object, outcome, detail FROM audit \
             WHERE patient_id = ? ORDER BY id DESC LIMIT ?",
            params![p, limit],
        )?,
        None => db.query(
            "SELECT id, at, username, action, patient_id, object, outcome, detail FROM audit \
             ORDER BY id DESC LIMIT ?",
            params![limit],
        )?,
    };
    Ok(rows
        .into_iter()
        .map(|r| AuditRow {
            id: r.int(0),
            at: r.text(1),
            username: r.text(2),
            action: r.text(3),
            patient_id: r.opt_int(4),
            object: r.opt_text(5),
            outcome: r.text(6),
            detail: r.opt_text(7),
        })
        .collect())
}
