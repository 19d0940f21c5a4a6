//! HL7 feed bookkeeping: applied messages (idempotency), the error queue, the codes a
//! registration system reported, and the column-wise patient and visit changes a message
//! makes. Column names come only from `hl7::plan`'s fixed lists, never from a message.

use serde::{Deserialize, Serialize};

use super::{StoreError, Tx};
use crate::domain::Text;
use crate::hl7::adt::CodeFeed;
use crate::hl7::plan::Change;
use crate::params;

const PATIENT_COLUMNS: &[&str] = &[
    "family",
    "given",
    "middle",
    "suffix",
    "dob",
    "sex",
    "ssn",
    "address",
    "city",
    "state",
    "postal_code",
    "phone",
    "deceased",
];
const VISIT_COLUMNS: &[&str] = &[
    "type",
    "attending",
    "service",
    "disposition",
    "admit_at",
    "discharge_at",
];

/// The digest of the applied message with this sender and control id, if any.
pub fn applied_digest(
    db: &dyn Tx,
    sender: &str,
    control_id: &str,
) -> Result<Option<String>, StoreError> {
    db.query_row(
        "SELECT digest FROM hl7_applied WHERE sender = ? AND control_id = ?",
        params![sender, control_id],
    )?
    .map(|r| r.text(0))
    .transpose()
}

#[allow(clippy::too_many_arguments)]
pub fn mark_applied(
    db: &dyn Tx,
    sender: &str,
    control_id: &str,
    digest: &str,
    message_type: &str,
    patient_id: Option<i64>,
    now: &str,
    warnings: &[String],
) -> Result<(), StoreError> {
    let w = (!warnings.is_empty()).then(|| warnings.join("\n"));
    db.execute(
        "INSERT INTO hl7_applied (sender, control_id, digest, message_type, patient_id, applied_at, warnings) \
         VALUES (?,?,?,?,?,?,?)",
        params![sender, control_id, digest, message_type, patient_id, now, w],
    )?;
    Ok(())
}

/// One message in the error queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorRow {
    pub id: i64,
    pub received_at: String,
    pub sender: Text,
    pub control_id: Text,
    pub message_type: Text,
    pub ack: String,
    pub reason: Text,
    pub status: String,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Text>,
    pub version: i64,
}

#[allow(clippy::too_many_arguments)]
pub fn queue_error(
    db: &dyn Tx,
    now: &str,
    sender: &str,
    control_id: &str,
    message_type: &str,
    ack: &str,
    reason: &str,
    body: &str,
) -> Result<i64, StoreError> {
    Ok(db
        .execute(
            "INSERT INTO hl7_errors (received_at, sender, control_id, message_type, ack, reason, body) \
             VALUES (?,?,?,?,?,?,?)",
            params![now, sender, control_id, message_type, ack, reason, body],
        )?
        .id)
}

fn error_row(r: &super::sql::Row, with_body: bool) -> Result<ErrorRow, StoreError> {
    Ok(ErrorRow {
        id: r.int(0)?,
        received_at: r.text(1)?,
        sender: r.data(2)?,
        control_id: r.data(3)?,
        message_type: r.data(4)?,
        ack: r.text(5)?,
        reason: r.data(6)?,
        status: r.text(7)?,
        resolved_at: r.opt_text(8)?,
        resolved_by: r.opt_data(9)?,
        body: if with_body { Some(r.data(10)?) } else { None },
        version: r.int(11)?,
    })
}

const ERROR_COLS: &str = "id, received_at, sender, control_id, message_type, ack, reason, status, \
     resolved_at, resolved_by, body, version";

/// The queue, newest first; `all` includes replayed and dismissed ones.
pub fn errors(db: &dyn Tx, all: bool, limit: i64) -> Result<Vec<ErrorRow>, StoreError> {
    let sql = format!(
        "SELECT {ERROR_COLS} FROM hl7_errors {} ORDER BY id DESC LIMIT ?",
        if all { "" } else { "WHERE status = 'open'" }
    );
    db.query(&sql, params![limit])?
        .iter()
        .map(|r| error_row(r, false))
        .collect()
}

pub fn open_error_count(db: &dyn Tx) -> Result<i64, StoreError> {
    db.count("SELECT count(*) FROM hl7_errors WHERE status = 'open'", &[])
}

pub fn error(db: &dyn Tx, id: i64) -> Result<Option<ErrorRow>, StoreError> {
    db.query_row(
        &format!("SELECT {ERROR_COLS} FROM hl7_errors WHERE id = ?"),
        params![id],
    )?
    .map(|r| error_row(&r, true))
    .transpose()
}

/// Closes an open queue entry (replayed or dismissed); false when it was not open.
pub fn resolve_error(
    db: &dyn Tx,
    id: i64,
    status: &str,
    by: &str,
    now: &str,
) -> Result<bool, StoreError> {
    let done = db.execute(
        "UPDATE hl7_errors SET status = ?, resolved_at = ?, resolved_by = ?, version = version + 1 \
         WHERE id = ? AND status = 'open'",
        params![status, now, by, id],
    )?;
    Ok(done.rows == 1)
}

/// The patient filed under this MRN: id, name tokens' fields, the survivor when merged.
pub struct Filed {
    pub id: i64,
    pub names: Vec<String>,
    pub merged_into: Option<i64>,
}

pub fn patient_by_mrn(db: &dyn Tx, mrn: &str) -> Result<Option<Filed>, StoreError> {
    db.query_row(
        "SELECT id, family, given, middle, merged_into FROM patients WHERE mrn = ?",
        params![mrn],
    )?
    .map(|r| {
        let mut names = vec![r.text(1)?, r.text(2)?];
        names.extend(r.opt_text(3)?);
        Ok(Filed {
            id: r.int(0)?,
            names,
            merged_into: r.opt_int(4)?,
        })
    })
    .transpose()
}

fn value_of(c: &Change) -> super::Value {
    match c {
        Change::Set(s) => s.clone().into(),
        Change::Erase => super::Value::Null,
    }
}

/// Who a feed's change is recorded as, in the chart's change history.
pub struct By<'a> {
    pub user_id: Option<i64>,
    pub username: &'a str,
}

/// The record's current values of these columns, and its version.
fn current(
    db: &dyn Tx,
    table: &str,
    id: i64,
    cols: &[(&'static str, Change)],
) -> Result<(Vec<Option<String>>, i64), StoreError> {
    let list: Vec<String> = cols
        .iter()
        .map(|(c, _)| format!("CAST({c} AS TEXT)"))
        .collect();
    let sql = format!(
        "SELECT version{}{} FROM {table} WHERE id = ?",
        if list.is_empty() { "" } else { ", " },
        list.join(", ")
    );
    let r = db
        .query_row(&sql, params![id])?
        .ok_or_else(|| StoreError::Other(format!("{table} {id} vanished")))?;
    let vals = (0..cols.len())
        .map(|i| r.opt_text(i + 1))
        .collect::<Result<_, _>>()?;
    Ok((vals, r.int(0)?))
}

/// Applies column changes to a record, one history row per field that changed (the chart's
/// change history, as a clerk's edit writes), and one new version; returns the columns
/// that changed.
#[allow(clippy::too_many_arguments)]
fn update_record(
    db: &dyn Tx,
    entity: &str,
    table: &str,
    allowed: &[&str],
    patient_id: i64,
    id: i64,
    cols: &[(&'static str, Change)],
    by: &By<'_>,
    now: &str,
) -> Result<Vec<&'static str>, StoreError> {
    let (before, version) = current(db, table, id, cols)?;
    let mut changed = Vec::new();
    for ((col, v), old) in cols.iter().zip(before) {
        assert!(allowed.contains(col), "not a {entity} column: {col}");
        let new = match v {
            Change::Set(s) => Some(s.clone()),
            Change::Erase => None,
        };
        if old == new || changed.contains(col) {
            continue;
        }
        let sql = match *col {
            "ssn" => {
                "UPDATE patients SET ssn = ?1, ssn_last4 = substr(?1, 6) WHERE id = ?2".to_string()
            }
            c => format!("UPDATE {table} SET {c} = ?1 WHERE id = ?2"),
        };
        db.execute(&sql, &[value_of(v), id.into()])?;
        // The SSN itself never goes into the history: only that it changed.
        let (b, a) = if *col == "ssn" {
            (
                old.map(|_| "on file".to_string()),
                new.map(|_| "on file".to_string()),
            )
        } else {
            (old, new)
        };
        db.execute(
            "INSERT INTO changes (patient_id, entity, entity_id, version, field, before, after, at, user_id, username) \
             VALUES (?,?,?,?,?,?,?,?,?,?)",
            params![patient_id, entity, id, version + 1, *col, b, a, now, by.user_id, by.username],
        )?;
        changed.push(*col);
    }
    if !changed.is_empty() {
        db.execute(
            &format!("UPDATE {table} SET version = version + 1 WHERE id = ?"),
            params![id],
        )?;
    }
    Ok(changed)
}

/// Applies column changes to a patient; returns the columns that changed.
pub fn update_patient(
    db: &dyn Tx,
    id: i64,
    cols: &[(&'static str, Change)],
    ssn_note: Option<&str>,
    by: &By<'_>,
    now: &str,
) -> Result<Vec<&'static str>, StoreError> {
    let changed = update_record(
        db,
        "patient",
        "patients",
        PATIENT_COLUMNS,
        id,
        id,
        cols,
        by,
        now,
    )?;
    if let Some(note) = ssn_note {
        db.execute(
            "UPDATE patients SET ssn_note = ? WHERE id = ?",
            params![note, id],
        )?;
    }
    if !changed.is_empty() {
        db.execute(
            "UPDATE patients SET updated_at = ? WHERE id = ?",
            params![now, id],
        )?;
        // Birth date, phone, SSN: what patient search reads besides names.
        super::search_index::touch(db)?;
    }
    Ok(changed)
}

/// The visit with this account number: its id and patient.
pub fn visit_by_account(db: &dyn Tx, account: &str) -> Result<Option<(i64, i64)>, StoreError> {
    db.query_row(
        "SELECT id, patient_id FROM encounters WHERE account_number = ?",
        params![account],
    )?
    .map(|r| Ok((r.int(0)?, r.int(1)?)))
    .transpose()
}

/// A new visit, with every column the message set, in one statement.
pub fn insert_visit(
    db: &dyn Tx,
    patient_id: i64,
    account: &str,
    cols: &[(&'static str, Change)],
) -> Result<i64, StoreError> {
    let mut names = vec!["patient_id", "account_number"];
    let mut values: Vec<super::Value> = vec![patient_id.into(), account.into()];
    for (col, v) in cols {
        assert!(VISIT_COLUMNS.contains(col), "not a visit column: {col}");
        if let Change::Set(s) = v {
            names.push(col);
            values.push(s.clone().into());
        }
    }
    for (col, default) in [("type", "outpatient"), ("admit_at", "")] {
        if !names.contains(&col) {
            names.push(col);
            values.push(default.into());
        }
    }
    let marks = vec!["?"; names.len()].join(",");
    let sql = format!(
        "INSERT INTO encounters ({}) VALUES ({marks})",
        names.join(",")
    );
    Ok(db.execute(&sql, &values)?.id)
}

/// Applies column changes to a visit; returns the columns that changed.
pub fn update_visit(
    db: &dyn Tx,
    patient_id: i64,
    id: i64,
    cols: &[(&'static str, Change)],
    by: &By<'_>,
    now: &str,
) -> Result<Vec<&'static str>, StoreError> {
    update_record(
        db,
        "encounter",
        "encounters",
        VISIT_COLUMNS,
        patient_id,
        id,
        cols,
        by,
        now,
    )
}

/// Files the codes a message reported for a visit (once each).
pub fn add_reported_codes(
    db: &dyn Tx,
    encounter_id: i64,
    codes: &[CodeFeed],
) -> Result<(), StoreError> {
    for c in codes {
        db.execute(
            "INSERT INTO reported_codes (encounter_id, segment, code, system, title, kind) \
             VALUES (?,?,?,?,?,?) ON CONFLICT(encounter_id, segment, code) DO UPDATE SET \
             system = excluded.system, title = excluded.title, kind = excluded.kind",
            params![
                encounter_id,
                c.segment,
                c.code.trim().to_ascii_uppercase(),
                &c.system,
                &c.text,
                &c.kind
            ],
        )?;
    }
    Ok(())
}
