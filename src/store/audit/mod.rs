//! The audit trail: append-only rows (triggers refuse UPDATE and DELETE, and any INSERT that
//! is not the next row of the chain), each chained to the one before it by SHA-256, so an
//! edited, deleted, reordered or inserted row is found by [`verify`]. The encodings are in
//! `chain.rs`, the anchors and restore markers in `anchor.rs`, the check in `verify.rs`.
//!
//! Every reader here reads only rows with an id from 1 up: the rows `verify` covers.

mod anchor;
mod chain;
mod verify;

pub use anchor::{
    Anchor, AnchorLine, ArchiveHeader, ArchivedRow, RestoreMarker, archive_text, check_archive,
    parse_log,
};
pub use chain::{CURRENT_ENC, GENESIS, HASHED_COLS, Stored, StoredRow, hash_row};
pub use verify::{BadRow, GUARDS, RestoreNote, Verification, verify, verify_log};

use super::StoreError;
use super::sql::{Row, Tx, Value};
use crate::domain::{Action, Object, Outcome, Text};
use crate::params;
pub use chain::select_list;

/// One event to record. Never carries PHI beyond ids: no names, no query text, no SSNs.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub at: String,
    pub user_id: Option<i64>,
    pub username: String,
    pub os_login: Option<String>,
    pub origin: Option<String>,
    pub action: Action,
    pub patient_id: Option<i64>,
    pub object: Option<Object>,
    pub outcome: Outcome,
    pub detail: Option<String>,
}

impl AuditEvent {
    /// An event by nobody in particular yet (the fields are filled in by the caller).
    pub fn new(at: String, action: Action, outcome: Outcome) -> AuditEvent {
        AuditEvent {
            at,
            user_id: None,
            username: String::new(),
            os_login: None,
            origin: None,
            action,
            patient_id: None,
            object: None,
            outcome,
            detail: None,
        }
    }
}

/// The newest row's id and hash (`(0, GENESIS)` on an empty trail).
pub fn head(db: &dyn Tx) -> Result<(i64, [u8; 32]), StoreError> {
    let Some(r) = db.query_row(
        "SELECT id, hash FROM audit WHERE id > 0 ORDER BY id DESC LIMIT 1",
        &[],
    )?
    else {
        return Ok((0, GENESIS));
    };
    let mut h = GENESIS;
    if let Some(Value::Blob(b)) = r.value(1)
        && b.len() == 32
    {
        h.copy_from_slice(b);
    }
    Ok((r.int(0)?, h))
}

fn event_cols(e: &AuditEvent, object: Option<&str>) -> [Stored; 10] {
    [
        Stored::text(Some(&e.at)),
        Stored::int(e.user_id),
        Stored::text(Some(&e.username)),
        Stored::text(e.os_login.as_deref()),
        Stored::text(e.origin.as_deref()),
        Stored::text(Some(e.action.as_str())),
        Stored::int(e.patient_id),
        Stored::text(object),
        Stored::text(Some(e.outcome.as_str())),
        Stored::text(e.detail.as_deref()),
    ]
}

/// Appends one row, chained to the newest, in the current encoding. Must run inside the
/// caller's write transaction (`write_tx` or the bulk loader), so that the row and the work
/// it records commit together. The store's `audit_append_only` trigger refuses any row whose
/// id is not the next one or whose `prev_hash` is not the head's.
pub fn append(db: &dyn Tx, e: &AuditEvent) -> Result<i64, StoreError> {
    let (last, prev) = head(db)?;
    let id = last + 1;
    let object = e.object.as_ref().map(|o| o.to_string());
    let hash = hash_row(
        &prev,
        id,
        Some(CURRENT_ENC),
        &event_cols(e, object.as_deref()),
    )
    .map_err(|_| StoreError::Other("the audit row could not be hashed".into()))?;
    db.execute(
        "INSERT INTO audit (id, at, user_id, username, os_login, origin, action, patient_id, object, \
         outcome, detail, prev_hash, hash, enc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        params![
            id,
            e.at.as_str(),
            e.user_id,
            e.username.as_str(),
            e.os_login.clone(),
            e.origin.clone(),
            e.action.as_str(),
            e.patient_id,
            object,
            e.outcome.as_str(),
            e.detail.clone(),
            prev.to_vec(),
            hash.to_vec(),
            CURRENT_ENC,
        ],
    )?;
    Ok(id)
}

/// Computes `prev_hash` and `hash` for every row from the first, each in the encoding it
/// names (migration 2 runs it, with the UPDATE trigger dropped, for rows written before the
/// chain existed). Anyone who can write the file can do the same after editing a row; that
/// is why `audit anchor` keeps the head hash elsewhere, and the tests use this to play that
/// attacker.
pub fn backfill_chain(db: &dyn Tx) -> Result<(), StoreError> {
    let has_enc = db.count(
        "SELECT count(*) FROM pragma_table_info('audit') WHERE name = 'enc'",
        &[],
    )? > 0;
    let mut prev = GENESIS;
    let sql = format!("SELECT {} FROM audit ORDER BY id", select_list(has_enc));
    for r in db.query(&sql, &[])? {
        let row = StoredRow::read(&r)?;
        let h = row.expected_hash(&prev).map_err(|_| StoreError::BadValue {
            column: 0,
            expected: "an audit row chartroom wrote",
            found: "a changed row",
        })?;
        db.execute(
            "UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?",
            params![prev.to_vec(), h.to_vec(), row.id],
        )?;
        prev = h;
    }
    Ok(())
}

/// The rows `from..=to` exactly as stored, for an archive.
pub fn stored_rows(db: &dyn Tx, from: i64, to: i64) -> Result<Vec<StoredRow>, StoreError> {
    let sql = format!(
        "SELECT {} FROM audit WHERE id BETWEEN ? AND ? ORDER BY id",
        select_list(true)
    );
    db.query(&sql, params![from, to])?
        .iter()
        .map(StoredRow::read)
        .collect()
}

/// The anchor for the trail as it stands.
pub fn current_anchor(db: &dyn Tx, at: &str) -> Result<Anchor, StoreError> {
    let (head_id, hash) = head(db)?;
    let rows = db.count("SELECT count(*) FROM audit WHERE id > 0", &[])?;
    Ok(Anchor {
        head_id,
        rows,
        hash: hex::encode(hash),
        at: at.to_string(),
    })
}

/// An audit row as read back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: Text,
    pub username: Text,
    pub action: Text,
    pub patient_id: Option<i64>,
    pub object: Option<Text>,
    pub outcome: Text,
    pub detail: Option<Text>,
}

/// The newest rows first.
pub fn recent(
    db: &dyn Tx,
    patient_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    let rows = match patient_id {
        Some(p) => db.query(
            "SELECT id, at, username, action, patient_id, object, outcome, detail FROM audit \
             WHERE patient_id = ? AND id > 0 ORDER BY id DESC LIMIT ?",
            params![p, limit],
        )?,
        None => db.query(
            "SELECT id, at, username, action, patient_id, object, outcome, detail FROM audit \
             WHERE id > 0 ORDER BY id DESC LIMIT ?",
            params![limit],
        )?,
    };
    rows.iter().map(to_audit_row).collect()
}

fn to_audit_row(r: &Row) -> Result<AuditRow, StoreError> {
    Ok(AuditRow {
        id: r.int(0)?,
        at: r.data(1)?,
        username: r.data(2)?,
        action: r.data(3)?,
        patient_id: r.opt_int(4)?,
        object: r.opt_data(5)?,
        outcome: r.data(6)?,
        detail: r.opt_data(7)?,
    })
}

/// An audit row with who and where, for the reports.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Text,
    pub username: Text,
    pub os_login: Option<Text>,
    pub origin: Option<Text>,
    pub action: Text,
    pub patient_id: Option<i64>,
    pub object: Option<Text>,
    pub outcome: Text,
    pub detail: Option<Text>,
}

/// Every row about one patient, or by one user, oldest first.
pub fn entries(
    db: &dyn Tx,
    patient_id: Option<i64>,
    user_id: Option<i64>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let base = "SELECT id, at, username, os_login, origin, action, patient_id, object, outcome, detail FROM audit";
    let rows = match (patient_id, user_id) {
        (Some(p), _) => db.query(
            &format!("{base} WHERE patient_id = ? AND id > 0 ORDER BY id"),
            params![p],
        )?,
        (None, Some(u)) => db.query(
            &format!("{base} WHERE user_id = ? AND id > 0 ORDER BY id"),
            params![u],
        )?,
        (None, None) => db.query(&format!("{base} WHERE id > 0 ORDER BY id"), &[])?,
    };
    rows.into_iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.int(0)?,
                at: r.data(1)?,
                username: r.data(2)?,
                os_login: r.opt_data(3)?,
                origin: r.opt_data(4)?,
                action: r.data(5)?,
                patient_id: r.opt_int(6)?,
                object: r.opt_data(7)?,
                outcome: r.data(8)?,
                detail: r.opt_data(9)?,
            })
        })
        .collect()
}
