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
    db.count(
        "SELECT value FROM search_meta WHERE key = 'vocab_generation'",
        &[],
    )
}

/// Every patient id carrying `token_id`, ascending.
pub fn postings(db: &dyn Tx, token_id: i64, out: &mut Vec<u32>) -> Result<(), StoreError> {
    for r in db.query(
        "SELECT ids FROM search_posting WHERE token_id = ? ORDER BY chunk",
        params![token_id],
    )? {
        decode_into(r.blob(0)?, out);
    }
    Ok(())
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
        let id = match db.query_row("SELECT id FROM search_token WHERE token = ?", params![t])? {
            Some(r) => r.int(0)?,
            None => {
                new_token = true;
                db.execute(
                    "INSERT INTO search_token(token, df) VALUES (?, 0)",
                    params![t],
                )?
                .id
            }
        };
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
    Ok(())
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
    Ok(())
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
