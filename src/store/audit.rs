//! The audit trail: append-only rows (triggers refuse UPDATE and DELETE), each chained to the
//! one before it by SHA-256, so an edited, deleted or reordered row is found by [`verify`].
//!
//! Row `n` carries `prev_hash` (row `n-1`'s `hash`, 32 zero bytes for the first row) and
//! `hash = SHA-256(prev_hash || canonical(row n))`, where the canonical encoding covers every
//! column including the id. The hash is computed inside the caller's write transaction, so two
//! writers can never chain onto the same row.

use sha2::{Digest, Sha256};

use super::StoreError;
use super::sql::{Row, Tx, Value};
use crate::domain::{Action, Object, Outcome, Text};
use crate::params;

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

/// The hash a chain starts from.
pub const GENESIS: [u8; 32] = [0; 32];
const DOMAIN_TAG: &[u8] = b"chartroom-audit-v1\0";

/// One column value in the canonical encoding.
enum F<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
}

/// `SHA-256(prev || tag || id || each column, typed and length-prefixed)`.
fn chain_hash(prev: &[u8], id: i64, fields: &[F<'_>]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(DOMAIN_TAG);
    h.update(id.to_be_bytes());
    for f in fields {
        match f {
            F::Int(None) | F::Text(None) => h.update([0u8]),
            F::Int(Some(v)) => {
                h.update([1u8]);
                h.update(v.to_be_bytes());
            }
            F::Text(Some(s)) => {
                h.update([2u8]);
                h.update((s.len() as u64).to_be_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    h.finalize().into()
}

fn event_fields<'a>(e: &'a AuditEvent, object: Option<&'a str>) -> [F<'a>; 10] {
    [
        F::Text(Some(&e.at)),
        F::Int(e.user_id),
        F::Text(Some(&e.username)),
        F::Text(e.os_login.as_deref()),
        F::Text(e.origin.as_deref()),
        F::Text(Some(e.action.as_str())),
        F::Int(e.patient_id),
        F::Text(object),
        F::Text(Some(e.outcome.as_str())),
        F::Text(e.detail.as_deref()),
    ]
}

/// The newest row's id and hash (`(0, GENESIS)` on an empty trail).
pub fn head(db: &dyn Tx) -> Result<(i64, [u8; 32]), StoreError> {
    let Some(r) = db.query_row("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", &[])? else {
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

/// Appends one row, chained to the newest. Must run inside the caller's write transaction
/// (`write_tx` or the bulk loader), so that the row and the work it records commit together.
pub fn append(db: &dyn Tx, e: &AuditEvent) -> Result<i64, StoreError> {
    let (last, prev) = head(db)?;
    let id = last + 1;
    let object = e.object.as_ref().map(|o| o.to_string());
    let hash = chain_hash(&prev, id, &event_fields(e, object.as_deref()));
    db.execute(
        "INSERT INTO audit (id, at, user_id, username, os_login, origin, action, patient_id, object, \
         outcome, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
        ],
    )?;
    Ok(id)
}

const ROW_COLS: &str =
    "id, at, user_id, username, os_login, origin, action, patient_id, object, outcome, detail";

/// The hash of a row as read back. Every column must hold the type it was written with: a
/// value of another type (a blob where text was) is reported, never hashed as if empty.
fn row_hash(prev: &[u8], r: &Row) -> Result<[u8; 32], StoreError> {
    let t = |i: usize| -> Result<Option<&str>, StoreError> {
        match r.value(i) {
            Some(Value::Text(s)) => Ok(Some(s.as_str())),
            Some(Value::Null) => Ok(None),
            _ => Err(StoreError::BadValue {
                column: i,
                expected: "text",
                found: r.value(i).map_or("no column", Value::kind),
            }),
        }
    };
    let fields = [
        F::Text(t(1)?),
        F::Int(r.opt_int(2)?),
        F::Text(t(3)?),
        F::Text(t(4)?),
        F::Text(t(5)?),
        F::Text(t(6)?),
        F::Int(r.opt_int(7)?),
        F::Text(t(8)?),
        F::Text(t(9)?),
        F::Text(t(10)?),
    ];
    Ok(chain_hash(prev, r.int(0)?, &fields))
}

/// Computes `prev_hash` and `hash` for every row from the first (migration 2 runs it, with the
/// UPDATE trigger dropped, for rows written before the chain existed). Anyone who can write
/// the file can do the same after editing a row; that is why `audit anchor` keeps the head
/// hash elsewhere, and the tests use this to play that attacker.
pub fn backfill_chain(db: &dyn Tx) -> Result<(), StoreError> {
    let mut prev = GENESIS;
    let sql = format!("SELECT {ROW_COLS} FROM audit ORDER BY id");
    for r in db.query(&sql, &[])? {
        let h = row_hash(&prev, &r)?;
        db.execute(
            "UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?",
            params![prev.to_vec(), h.to_vec(), r.int(0)?],
        )?;
        prev = h;
    }
    Ok(())
}

/// A line of the anchor file: the chain head at a moment, kept where technicians cannot
/// rewrite it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Anchor {
    pub head_id: i64,
    pub rows: i64,
    pub hash: String,
    pub at: String,
}

const ANCHOR_TAG: &str = "chartroom-audit-anchor v1";

impl Anchor {
    /// `chartroom-audit-anchor v1 head=N rows=N hash=HEX at=TIME`
    pub fn to_line(&self) -> String {
        format!(
            "{ANCHOR_TAG} head={} rows={} hash={} at={}",
            self.head_id, self.rows, self.hash, self.at
        )
    }

    /// Reads a line; the tag may follow a syslog prefix. `None` for lines without the tag,
    /// `Some(Err)` for a damaged line.
    pub fn parse_line(line: &str) -> Option<Result<Anchor, String>> {
        let at = line.find(ANCHOR_TAG)?;
        let rest = &line[at + ANCHOR_TAG.len()..];
        let mut a = Anchor {
            head_id: -1,
            rows: -1,
            hash: String::new(),
            at: String::new(),
        };
        for part in rest.split_whitespace() {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            match k {
                "head" => a.head_id = v.parse().unwrap_or(-1),
                "rows" => a.rows = v.parse().unwrap_or(-1),
                "hash" => a.hash = v.to_ascii_lowercase(),
                "at" => a.at = v.to_string(),
                _ => {}
            }
        }
        if a.head_id < 0 || a.rows < 0 || a.hash.len() != 64 || hex::decode(&a.hash).is_err() {
            return Some(Err(format!(
                "the anchor line \"{}\" is damaged",
                line.trim()
            )));
        }
        Some(Ok(a))
    }
}

/// The anchor for the trail as it stands.
pub fn current_anchor(db: &dyn Tx, at: &str) -> Result<Anchor, StoreError> {
    let (head_id, hash) = head(db)?;
    let rows = db.count("SELECT count(*) FROM audit", &[])?;
    Ok(Anchor {
        head_id,
        rows,
        hash: hex::encode(hash),
        at: at.to_string(),
    })
}

/// The first thing found wrong with the trail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BadRow {
    /// The first row that is wrong (or, for a rewritten stretch, the first row it may start at).
    pub id: i64,
    pub reason: Text,
}

/// What [`verify`] found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verification {
    pub rows: i64,
    pub head_id: i64,
    pub anchors_checked: usize,
    pub first_bad: Option<BadRow>,
}

/// Walks the whole chain in id order and checks every row, then every anchor. Reads in pages
/// of 20,000 rows inside one read snapshot.
pub fn verify(db: &dyn Tx, anchors: &[Anchor]) -> Result<Verification, StoreError> {
    let mut by_head: std::collections::BTreeMap<i64, Vec<&Anchor>> = Default::default();
    for a in anchors {
        by_head.entry(a.head_id).or_default().push(a);
    }
    let mut prev = GENESIS;
    let mut last_id = 0i64;
    let mut rows = 0i64;
    let mut first_bad: Option<BadRow> = None;
    // The last anchor that matched: a rewrite can only start after it.
    let mut good_anchor_head = 0i64;
    let sql = format!(
        "SELECT {ROW_COLS}, prev_hash, hash FROM audit WHERE id > ? ORDER BY id LIMIT 20000"
    );
    'pages: loop {
        let page = db.query(&sql, params![last_id])?;
        if page.is_empty() {
            break;
        }
        for r in &page {
            let id = r.int(0)?;
            rows += 1;
            if id != last_id + 1 {
                first_bad = Some(BadRow {
                    id: last_id + 1,
                    reason: if id - last_id == 2 {
                        format!("row {} is missing (deleted)", last_id + 1)
                    } else {
                        format!("rows {} to {} are missing (deleted)", last_id + 1, id - 1)
                    }
                    .into(),
                });
                break 'pages;
            }
            let stored = |i: usize| match r.value(i) {
                Some(Value::Blob(b)) => b.as_slice(),
                _ => &[],
            };
            if stored(11) != prev {
                first_bad = Some(BadRow {
                    id,
                    reason: format!(
                        "row {id} does not follow the row before it (rows were deleted, moved or reordered)"
                    ).into(),
                });
                break 'pages;
            }
            let h = match row_hash(&prev, r) {
                Ok(h) => h,
                Err(_) => {
                    first_bad = Some(BadRow {
                        id,
                        reason: format!(
                            "row {id} holds a value of the wrong type: it was changed after it was written"
                        ).into(),
                    });
                    break 'pages;
                }
            };
            if stored(12) != h {
                first_bad = Some(BadRow {
                    id,
                    reason: format!("row {id} was changed after it was written").into(),
                });
                break 'pages;
            }
            if let Some(list) = by_head.get(&id) {
                for a in list {
                    if a.rows != rows || a.hash != hex::encode(h) {
                        first_bad = Some(BadRow {
                            id: good_anchor_head + 1,
                            reason: format!(
                                "the trail does not match the anchor written at {} for row {id}: rows {} to {id} were rewritten",
                                a.at,
                                good_anchor_head + 1
                            ).into(),
                        });
                        break 'pages;
                    }
                }
                good_anchor_head = id;
            }
            prev = h;
            last_id = id;
        }
    }
    if first_bad.is_none()
        && let Some((&head, list)) = by_head.range(last_id + 1..).next()
    {
        first_bad = Some(BadRow {
            id: last_id + 1,
            reason: format!(
                "the anchor written at {} names row {head}, but the trail ends at row {last_id}: rows were deleted",
                list[0].at
            ).into(),
        });
    }
    let anchors_checked = by_head.range(..=last_id).map(|(_, v)| v.len()).sum();
    Ok(Verification {
        rows,
        head_id: last_id,
        anchors_checked,
        first_bad,
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
             WHERE patient_id = ? ORDER BY id DESC LIMIT ?",
            params![p, limit],
        )?,
        None => db.query(
            "SELECT id, at, username, action, patient_id, object, outcome, detail FROM audit \
             ORDER BY id DESC LIMIT ?",
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
#[derive(Debug, Clone, serde::Serialize)]
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
            &format!("{base} WHERE patient_id = ? ORDER BY id"),
            params![p],
        )?,
        (None, Some(u)) => {
            db.query(&format!("{base} WHERE user_id = ? ORDER BY id"), params![u])?
        }
        (None, None) => db.query(&format!("{base} ORDER BY id"), &[])?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_lines_round_trip_and_survive_a_syslog_prefix() {
        let a = Anchor {
            head_id: 7,
            rows: 7,
            hash: "ab".repeat(32),
            at: "2026-11-26T12:00:00Z".into(),
        };
        let line = a.to_line();
        assert_eq!(Anchor::parse_line(&line), Some(Ok(a.clone())));
        let syslog = format!("Nov 26 12:00:00 host chartroom[42]: {line}");
        assert_eq!(Anchor::parse_line(&syslog), Some(Ok(a)));
        assert_eq!(Anchor::parse_line("something else"), None);
        assert!(matches!(
            Anchor::parse_line("chartroom-audit-anchor v1 head=x"),
            Some(Err(_))
        ));
    }

    #[test]
    fn the_encoding_separates_null_from_empty_and_moves_with_the_id() {
        let a = chain_hash(&GENESIS, 1, &[F::Text(None)]);
        let b = chain_hash(&GENESIS, 1, &[F::Text(Some(""))]);
        let c = chain_hash(&GENESIS, 2, &[F::Text(None)]);
        let d = chain_hash(&GENESIS, 1, &[F::Text(Some("ab")), F::Text(Some("c"))]);
        let e = chain_hash(&GENESIS, 1, &[F::Text(Some("a")), F::Text(Some("bc"))]);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(d, e);
    }
}
