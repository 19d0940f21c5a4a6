//! Persistence of the patient-search index: the token vocabulary and, per token, the
//! ascending patient ids carrying it, chunked by id so one new patient rewrites small blobs.

use super::StoreError;
use super::sql::{Tx, Value};
use crate::params;

/// Patient ids per posting chunk.
pub const CHUNK_BITS: u32 = 16;

/// One vocabulary entry.
#[derive(Debug, Clone)]
pub struct VocabEntry {
    pub id: i64,
    pub token: String,
    pub df: u32,
}

pub fn load_vocab(db: &dyn Tx) -> Result<Vec<VocabEntry>, StoreError> {
    db.query("SELECT id, token, df FROM search_token WHERE df > 0", &[])?
        .into_iter()
        .map(|r| {
            Ok(VocabEntry {
                id: r.int(0)?,
                token: r.text(1)?,
                df: r.int(2)? as u32,
            })
        })
        .collect()
}

pub fn vocab_generation(db: &dyn Tx) -> Result<i64, StoreError> {
    Ok(generations(db)?.0)
}

/// The vocabulary generation and the postings generation. The first moves when a token
/// appears or disappears; the second on every change to any posting, and whenever a
/// patient's birth date, MRN, phone or SSN changes ([`touch`]), so a process that keeps
/// search data in memory knows when to drop it.
pub fn generations(db: &dyn Tx) -> Result<(i64, i64), StoreError> {
    let mut g = (0, 0);
    for r in db.query(
        "SELECT key, value FROM search_meta WHERE key IN ('vocab_generation', 'postings_generation')",
        &[],
    )? {
        if r.text(0)? == "vocab_generation" {
            g.0 = r.int(1)?;
        } else {
            g.1 = r.int(1)?;
        }
    }
    Ok(g)
}

/// Records that what patient search reads about some patient changed (inside the caller's
/// write transaction). `add` and `remove` do it themselves; any other change to a patient's
/// birth date, MRN, phone, SSN or merge state must call this.
pub fn touch(db: &dyn Tx) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO search_meta(key, value) VALUES ('postings_generation', 1) \
         ON CONFLICT(key) DO UPDATE SET value = value + 1",
        &[],
    )?;
    Ok(())
}

/// The postings of several tokens in one statement: (token id, ids ascending) for each
/// token that has any.
pub fn postings_of(db: &dyn Tx, token_ids: &[i64]) -> Result<Vec<(i64, Vec<u32>)>, StoreError> {
    let list = format!(
        "[{}]",
        token_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    by_token(db.query(
        "SELECT token_id, ids FROM search_posting \
         WHERE token_id IN (SELECT value FROM json_each(?)) ORDER BY token_id, chunk",
        params![list],
    )?)
}

/// Every posting of the tokens with ids in `from..to`, as `postings_of` gives them.
pub fn postings_in_range(
    db: &dyn Tx,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, Vec<u32>)>, StoreError> {
    by_token(db.query(
        "SELECT token_id, ids FROM search_posting WHERE token_id >= ? AND token_id < ? \
         ORDER BY token_id, chunk",
        params![from, to],
    )?)
}

/// Rows of (token id, chunk blob) in token then chunk order, joined per token.
fn by_token(rows: Vec<super::sql::Row>) -> Result<Vec<(i64, Vec<u32>)>, StoreError> {
    let mut out: Vec<(i64, Vec<u32>)> = Vec::new();
    for r in rows {
        let t = r.int(0)?;
        if out.last().is_none_or(|l| l.0 != t) {
            out.push((t, Vec::new()));
        }
        let last = out.last_mut().expect("pushed above");
        decode_into(r.blob(1)?, &mut last.1);
    }
    Ok(out)
}

pub fn decode_into(blob: &[u8], out: &mut Vec<u32>) {
    out.extend(
        blob.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
    );
}

pub fn encode(ids: &[u32]) -> Vec<u8> {
    let mut b = Vec::with_capacity(ids.len() * 4);
    for id in ids {
        b.extend_from_slice(&id.to_le_bytes());
    }
    b
}

/// Adds `patient_id` under each token (inside the caller's write transaction).
pub fn add(db: &dyn Tx, patient_id: i64, tokens: &[String]) -> Result<(), StoreError> {
    let mut new_token = false;
    for t in tokens {
        let id = token_id(db, t, &mut new_token)?;
        if edit_chunk(db, id, patient_id, true)? {
            db.execute(
                "UPDATE search_token SET df = df + 1 WHERE id = ?",
                params![id],
            )?;
        }
    }
    if new_token {
        bump_generation(db)?;
    }
    touch(db)
}

/// [`add`] for many patients at once (a batch of registrations from a feed): each token's
/// chunk is read and written once for the whole batch instead of once per patient.
pub fn add_many(db: &dyn Tx, entries: &[(i64, Vec<String>)]) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut by_token: std::collections::BTreeMap<&str, Vec<u32>> = Default::default();
    for (pid, tokens) in entries {
        let pid =
            u32::try_from(*pid).map_err(|_| StoreError::Other("patient id out of range".into()))?;
        for t in tokens {
            by_token.entry(t.as_str()).or_default().push(pid);
        }
    }
    let mut new_token = false;
    for (t, mut pids) in by_token {
        let id = token_id(db, t, &mut new_token)?;
        pids.sort_unstable();
        pids.dedup();
        let mut added = 0i64;
        for group in pids.chunk_by(|a, b| a >> CHUNK_BITS == b >> CHUNK_BITS) {
            let chunk = i64::from(group[0] >> CHUNK_BITS);
            let mut ids = Vec::new();
            if let Some(r) = db.query_row(
                "SELECT ids FROM search_posting WHERE token_id = ? AND chunk = ?",
                params![id, chunk],
            )? {
                decode_into(r.blob(0)?, &mut ids);
            }
            let before = ids.len();
            ids.extend_from_slice(group);
            ids.sort_unstable();
            ids.dedup();
            added += (ids.len() - before) as i64;
            db.execute(
                "INSERT OR REPLACE INTO search_posting(token_id, chunk, ids) VALUES (?, ?, ?)",
                &[Value::Int(id), Value::Int(chunk), Value::Blob(encode(&ids))],
            )?;
        }
        if added > 0 {
            db.execute(
                "UPDATE search_token SET df = df + ? WHERE id = ?",
                params![added, id],
            )?;
        }
    }
    if new_token {
        bump_generation(db)?;
    }
    touch(db)
}

/// The vocabulary id of `token`, added (and `new_token` set) when it is new.
fn token_id(db: &dyn Tx, token: &str, new_token: &mut bool) -> Result<i64, StoreError> {
    match db.query_row(
        "SELECT id FROM search_token WHERE token = ?",
        params![token],
    )? {
        Some(r) => r.int(0),
        None => {
            *new_token = true;
            Ok(db
                .execute(
                    "INSERT INTO search_token(token, df) VALUES (?, 0)",
                    params![token],
                )?
                .id)
        }
    }
}

/// Removes `patient_id` from each token (inside the caller's write transaction).
pub fn remove(db: &dyn Tx, patient_id: i64, tokens: &[String]) -> Result<(), StoreError> {
    let mut emptied = false;
    for t in tokens {
        let Some(r) = db.query_row(
            "SELECT id, df FROM search_token WHERE token = ?",
            params![t],
        )?
        else {
            continue;
        };
        let id = r.int(0)?;
        if edit_chunk(db, id, patient_id, false)? {
            db.execute(
                "UPDATE search_token SET df = df - 1 WHERE id = ?",
                params![id],
            )?;
            emptied |= r.int(1)? <= 1;
        }
    }
    if emptied {
        bump_generation(db)?;
    }
    touch(db)
}

fn bump_generation(db: &dyn Tx) -> Result<(), StoreError> {
    db.execute(
        "UPDATE search_meta SET value = value + 1 WHERE key = 'vocab_generation'",
        &[],
    )?;
    Ok(())
}

/// Inserts or removes one id in its chunk; returns whether anything changed.
fn edit_chunk(
    db: &dyn Tx,
    token_id: i64,
    patient_id: i64,
    insert: bool,
) -> Result<bool, StoreError> {
    let pid = u32::try_from(patient_id)
        .map_err(|_| StoreError::Other("patient id out of range".into()))?;
    let chunk = i64::from(pid >> CHUNK_BITS);
    let mut ids = Vec::new();
    if let Some(r) = db.query_row(
        "SELECT ids FROM search_posting WHERE token_id = ? AND chunk = ?",
        params![token_id, chunk],
    )? {
        decode_into(r.blob(0)?, &mut ids);
    }
    match (ids.binary_search(&pid), insert) {
        (Ok(_), true) | (Err(_), false) => return Ok(false),
        (Err(at), true) => ids.insert(at, pid),
        (Ok(at), false) => {
            ids.remove(at);
        }
    }
    if ids.is_empty() {
        db.execute(
            "DELETE FROM search_posting WHERE token_id = ? AND chunk = ?",
            params![token_id, chunk],
        )?;
    } else {
        db.execute(
            "INSERT OR REPLACE INTO search_posting(token_id, chunk, ids) VALUES (?, ?, ?)",
            &[
                Value::Int(token_id),
                Value::Int(chunk),
                Value::Blob(encode(&ids)),
            ],
        )?;
    }
    Ok(true)
}
