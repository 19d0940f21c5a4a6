//! Checking the trail: every row from 1 to the head in order, the triggers that guard it,
//! rows standing outside the chain, and the anchors (with the restore markers that retire
//! some of them in favour of an archive).

use std::collections::{BTreeMap, HashMap};

use super::super::StoreError;
use super::super::sql::Tx;
use super::anchor::{Anchor, AnchorLine, RestoreMarker, check_archive};
use super::chain::{GENESIS, StoredRow, Unhashable, select_list};
use crate::domain::Text;
use crate::params;

/// The first thing found wrong with the trail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BadRow {
    /// The first row that is wrong (or, for a rewritten stretch, the first row it may start at).
    pub id: i64,
    pub reason: Text,
}

/// A restore whose marker verify honoured.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RestoreNote {
    pub at: Text,
    pub head: i64,
    pub replaced_head: i64,
    pub archive: Text,
    /// Anchors of the replaced rows, checked against the archive.
    pub anchors_checked: usize,
}

/// What [`verify`] found.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Verification {
    pub rows: i64,
    pub head_id: i64,
    pub anchors_checked: usize,
    /// The newest row an anchor vouches for (rows after it are checked by the chain only).
    pub newest_anchor: Option<i64>,
    pub restores: Vec<RestoreNote>,
    /// Triggers that guard the trail and are missing from the store.
    pub guards_missing: Vec<String>,
    pub first_bad: Option<BadRow>,
}

/// The triggers a store's trail must have (migrations 1, 2 and 5 make them).
pub const GUARDS: [&str; 3] = ["audit_no_update", "audit_no_delete", "audit_append_only"];

/// Walks the chain and checks it against `anchors` (no restore markers).
pub fn verify(db: &dyn Tx, anchors: &[Anchor]) -> Result<Verification, StoreError> {
    let lines: Vec<AnchorLine> = anchors.iter().cloned().map(AnchorLine::Anchor).collect();
    verify_log(db, &lines, &HashMap::new())
}

fn bad(id: i64, reason: String) -> Option<BadRow> {
    Some(BadRow {
        id,
        reason: reason.into(),
    })
}

/// Walks the whole chain in id order and checks every row, then every anchor and restore
/// marker of an anchor file (`lines`, in file order). `archives` holds the text of each
/// archive a restore marker names (or why it could not be read). Reads in pages of 20,000
/// rows inside the caller's read snapshot.
pub fn verify_log(
    db: &dyn Tx,
    lines: &[AnchorLine],
    archives: &HashMap<String, Result<String, String>>,
) -> Result<Verification, StoreError> {
    let mut v = Verification {
        rows: 0,
        head_id: 0,
        anchors_checked: 0,
        newest_anchor: None,
        restores: Vec::new(),
        guards_missing: missing_guards(db)?,
        first_bad: None,
    };
    // Rows with an id below 1 are outside the chain: chartroom never writes them. (No
    // HAVING without GROUP BY: the libSQL client's SQL parser refuses it.)
    if let Some(r) = db
        .query_row("SELECT count(*), min(id) FROM audit WHERE id < 1", &[])?
        .filter(|r| r.int(0).is_ok_and(|n| n > 0))
    {
        let (n, min) = (r.int(0)?, r.int(1)?);
        v.rows = db.count("SELECT count(*) FROM audit WHERE id > 0", &[])?;
        v.head_id = db.count("SELECT max(id) FROM audit", &[])?;
        v.first_bad = bad(
            min,
            format!(
                "{n} row(s) stand outside the chain (id {min}{}): chartroom never writes them, so they were put in behind its back",
                if n > 1 { " and others below 1" } else { "" }
            ),
        );
        return Ok(v);
    }
    // Anchors in force, and for each restore the anchors it retired.
    let mut current: Vec<&Anchor> = Vec::new();
    let mut restores: Vec<(&RestoreMarker, Vec<&Anchor>)> = Vec::new();
    for l in lines {
        match l {
            AnchorLine::Anchor(a) => current.push(a),
            AnchorLine::Restore(m) => {
                let (keep, gone): (Vec<&Anchor>, Vec<&Anchor>) =
                    current.into_iter().partition(|a| a.head_id <= m.head);
                current = keep;
                restores.push((m, gone));
            }
        }
    }
    let mut by_head: BTreeMap<i64, Vec<&Anchor>> = BTreeMap::new();
    for a in &current {
        by_head.entry(a.head_id).or_default().push(a);
    }
    let mut marker_heads: BTreeMap<i64, Vec<&RestoreMarker>> = BTreeMap::new();
    for (m, _) in &restores {
        marker_heads.entry(m.head).or_default().push(m);
    }
    if let Some(list) = marker_heads.get(&0) {
        for m in list {
            if m.hash != hex::encode(GENESIS) {
                v.first_bad = bad(
                    1,
                    format!(
                        "the restore marker written at {} does not fit the start of the trail",
                        m.at
                    ),
                );
                return Ok(v);
            }
        }
    }
    let has_enc = db.count(
        "SELECT count(*) FROM pragma_table_info('audit') WHERE name = 'enc'",
        &[],
    )? > 0;
    let sql = format!(
        "SELECT {} FROM audit WHERE id > ? ORDER BY id LIMIT 20000",
        select_list(has_enc)
    );
    let mut prev = GENESIS.to_vec();
    let mut last_id = 0i64;
    let mut seen_v2 = false;
    // The last anchor that matched: a rewrite can only start after it.
    let mut good_anchor_head = 0i64;
    'pages: loop {
        let page = db.query(&sql, params![last_id])?;
        if page.is_empty() {
            break;
        }
        for r in &page {
            let row = StoredRow::read(r)?;
            let id = row.id;
            v.rows += 1;
            if id != last_id + 1 {
                v.first_bad = bad(
                    last_id + 1,
                    if id - last_id == 2 {
                        format!("row {} is missing (deleted)", last_id + 1)
                    } else {
                        format!("rows {} to {} are missing (deleted)", last_id + 1, id - 1)
                    },
                );
                break 'pages;
            }
            if row.prev_hash.as_deref() != Some(&prev[..]) {
                v.first_bad = bad(
                    id,
                    format!(
                        "row {id} does not follow the row before it (rows were deleted, moved or reordered)"
                    ),
                );
                break 'pages;
            }
            let enc = row.enc.ok().flatten();
            if enc.is_some() {
                seen_v2 = true;
            } else if seen_v2 {
                v.first_bad = bad(
                    id,
                    format!(
                        "row {id} claims an older encoding than the rows before it: it was changed after it was written"
                    ),
                );
                break 'pages;
            }
            let h = match row.expected_hash(&prev) {
                Ok(h) => h,
                Err(Unhashable::WrongType) => {
                    v.first_bad = bad(
                        id,
                        format!(
                            "row {id} holds a value of the wrong type: it was changed after it was written"
                        ),
                    );
                    break 'pages;
                }
                Err(Unhashable::UnknownEncoding) => {
                    v.first_bad = bad(
                        id,
                        format!(
                            "row {id} names an encoding chartroom never wrote: it was changed after it was written"
                        ),
                    );
                    break 'pages;
                }
            };
            if row.hash.as_deref() != Some(&h[..]) {
                v.first_bad = bad(id, format!("row {id} was changed after it was written"));
                break 'pages;
            }
            let hex_h = hex::encode(h);
            if let Some(list) = by_head.get(&id) {
                for a in list {
                    if a.rows != v.rows || a.hash != hex_h {
                        v.first_bad = bad(
                            good_anchor_head + 1,
                            format!(
                                "the trail does not match the anchor written at {} for row {id}: rows {} to {id} were rewritten",
                                a.at,
                                good_anchor_head + 1
                            ),
                        );
                        break 'pages;
                    }
                }
                good_anchor_head = id;
                v.anchors_checked += list.len();
                v.newest_anchor = Some(id);
            }
            if let Some(list) = marker_heads.get(&id) {
                for m in list {
                    if m.hash != hex_h {
                        v.first_bad = bad(
                            good_anchor_head + 1,
                            format!(
                                "the trail does not match the restore written at {} for row {id}: rows {} to {id} were rewritten",
                                m.at,
                                good_anchor_head + 1
                            ),
                        );
                        break 'pages;
                    }
                }
            }
            prev = h.to_vec();
            last_id = id;
        }
    }
    v.head_id = last_id;
    if v.first_bad.is_some() {
        return Ok(v);
    }
    if let Some((&head, list)) = by_head.range(last_id + 1..).next() {
        v.first_bad = bad(
            last_id + 1,
            format!(
                "the anchor written at {} names row {head}, but the trail ends at row {last_id}: rows were deleted",
                list[0].at
            ),
        );
        return Ok(v);
    }
    if let Some((&head, list)) = marker_heads.range(last_id + 1..).next() {
        v.first_bad = bad(
            last_id + 1,
            format!(
                "the restore written at {} names row {head}, but the trail ends at row {last_id}: rows were deleted",
                list[0].at
            ),
        );
        return Ok(v);
    }
    for (m, gone) in restores {
        let checked = match archives.get(&m.archive) {
            None => Err(format!("the archive {} was not read", m.archive)),
            Some(Err(e)) => Err(e.clone()),
            Some(Ok(text)) => check_archive(text, m),
        };
        let archived = match checked {
            Ok(a) => a,
            Err(e) => {
                v.first_bad = bad(
                    m.head + 1,
                    format!(
                        "the restore written at {} archived rows {} to {}, but {e}",
                        m.at,
                        m.head + 1,
                        m.replaced_head
                    ),
                );
                return Ok(v);
            }
        };
        let by_id: HashMap<i64, &String> = archived.iter().map(|(i, h)| (*i, h)).collect();
        for a in &gone {
            if by_id.get(&a.head_id) != Some(&&a.hash) {
                v.first_bad = bad(
                    m.head + 1,
                    format!(
                        "the archive {} of the restore written at {} does not match the anchor written at {} for row {}",
                        m.archive, m.at, a.at, a.head_id
                    ),
                );
                return Ok(v);
            }
        }
        v.anchors_checked += gone.len();
        v.restores.push(RestoreNote {
            at: m.at.clone().into(),
            head: m.head,
            replaced_head: m.replaced_head,
            archive: m.archive.clone().into(),
            anchors_checked: gone.len(),
        });
    }
    Ok(v)
}

fn missing_guards(db: &dyn Tx) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    for g in GUARDS {
        let n = db.count(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit' AND name = ?",
            params![g],
        )?;
        if n == 0 {
            out.push(g.to_string());
        }
    }
    Ok(out)
}
