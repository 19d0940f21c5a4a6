//! The bulk loader for synthetic records: one transaction, prepared statements, explicit ids,
//! and the search index built in memory and written once. Used on a fresh file only.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;

use rusqlite::params;

use crate::domain::bulk::{BulkPatient, BulkProvider, CodeTitle};

use super::search_index::{CHUNK_BITS, encode};
use super::{SqliteDb, StoreError};

#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct BulkStats {
    pub patients: u64,
    pub encounters: u64,
    pub documents: u64,
    pub diagnoses: u64,
    pub procedures: u64,
    pub search_tokens: u64,
}

/// Why a bulk load stopped early.
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error("stopped before the end; nothing was kept")]
    Interrupted,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for BulkError {
    fn from(e: rusqlite::Error) -> Self {
        BulkError::Store(e.into())
    }
}

/// Settings for loading a file nobody else has open yet: no journal (the file is thrown away
/// if the load fails), no fsync until the end, a page cache of up to 3 GiB (a 1M-patient demo is 2 GB), and the secondary indexes
/// set aside (building them once at the end is cheaper than keeping them up to date row by
/// row). Returns the index definitions for [`finish`] to rebuild.
pub fn begin(db: &SqliteDb) -> Result<Vec<String>, StoreError> {
    let c = db.raw();
    c.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -3145728; \
         PRAGMA temp_store = MEMORY; PRAGMA threads = 2; BEGIN IMMEDIATE;",
    )?;
    let mut st =
        c.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")?;
    let indexes: Vec<(String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (name, _) in &indexes {
        c.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
}

/// Rebuilds the indexes, commits, and leaves the file as every other chartroom store is:
/// WAL, full sync. No ANALYZE: with STAT4 statistics SQLite re-plans a statement whenever
/// its bound values change, which costs more than the plans gain on these simple queries.
pub fn finish(db: &SqliteDb, indexes: &[String]) -> Result<(), StoreError> {
    let c = db.raw();
    for sql in indexes {
        c.execute_batch(sql)?;
    }
    c.execute_batch("COMMIT; PRAGMA synchronous = FULL; PRAGMA journal_mode = WAL;")?;
    Ok(())
}

/// Inserts every batch received, and the short titles of the codes they use; calls
/// `progress` with the running patient count.
pub fn load(
    db: &SqliteDb,
    batches: Receiver<Vec<BulkPatient>>,
    providers: &[BulkProvider],
    titles: &[CodeTitle],
    now: &str,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(u64),
) -> Result<BulkStats, BulkError> {
    let c = db.raw();
    let mut s = BulkStats::default();
    let mut pat = c.prepare(
        "INSERT INTO patients (id, mrn, family, given, middle, suffix, dob, sex, ssn, ssn_last4, \
         address, city, state, postal_code, phone, restricted, employee, part2, deceased, \
         created_at, updated_at, ssn_note) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?20,?21)",
    )?;
    let mut names =
        c.prepare("INSERT INTO patient_names (patient_id, kind, family, given) VALUES (?,?,?,?)")?;
    let mut enc = c.prepare(
        "INSERT INTO encounters (id, patient_id, account_number, type, admit_at, discharge_at, \
         attending, service, disposition, coding_status, attending_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    )?;
    let mut doc = c.prepare(
        "INSERT INTO documents (patient_id, encounter_id, doc_type, title, author, service_date, \
         created_at, status, signed_by, signed_at, body, part2, psychotherapy, author_id) \
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
    )?;
    let mut prov = c.prepare(
        "INSERT INTO providers (id, name, npi, service, letter_address) VALUES (?,?,?,?,?)",
    )?;
    let mut provider_id: HashMap<&str, i64> = HashMap::new();
    for (i, p) in providers.iter().enumerate() {
        let id = i as i64 + 1;
        prov.execute(params![id, p.name, p.npi, p.service, p.letter_address])?;
        provider_id.insert(p.name, id);
    }
    let mut dx = c.prepare("INSERT INTO diagnoses (encounter_id, code_system, code, sequence, poa) VALUES (?,'ICD10CM',?,?,?)")?;
    let mut px = c.prepare(
        "INSERT INTO procedures (encounter_id, code_system, code, sequence, performed_on) VALUES (?,'ICD10PCS',?,?,?)",
    )?;
    let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
    for batch in batches {
        if stop.load(Ordering::Relaxed) {
            return Err(BulkError::Interrupted);
        }
        for p in batch {
            s.patients += 1;
            let pid = s.patients as i64;
            // A placeholder SSN means "unknown": no SSN, and a note (as at entry).
            let placeholder = p
                .ssn
                .as_deref()
                .and_then(crate::domain::Ssn::from_stored)
                .filter(|s| s.is_placeholder())
                .map(|s| s.formatted());
            let ssn = p.ssn.as_deref().filter(|_| placeholder.is_none());
            let ssn_note = placeholder.map(|sent| {
                format!("the SSN was given as {sent}, which means unknown; no SSN is on file")
            });
            pat.execute(params![
                pid,
                p.mrn,
                p.family,
                p.given,
                p.middle,
                p.suffix,
                p.dob.to_string(),
                p.sex.code(),
                ssn,
                ssn.map(|x| &x[5..]),
                p.address,
                p.city,
                p.state,
                p.postal_code,
                p.phone,
                p.flags.restricted,
                p.flags.employee,
                p.flags.part2,
                p.flags.deceased,
                now,
                ssn_note,
            ])?;
            for (kind, f, g) in &p.previous {
                names.execute(params![pid, kind, f, g])?;
            }
            for e in &p.encounters {
                s.encounters += 1;
                let eid = s.encounters as i64;
                enc.execute(params![
                    eid,
                    pid,
                    e.account,
                    e.kind,
                    e.admit,
                    e.discharge,
                    e.attending,
                    e.service,
                    e.disposition,
                    if e.coded { "coded" } else { "uncoded" },
                    provider_id.get(e.attending),
                ])?;
                for (i, (code, poa)) in e.dx.iter().enumerate() {
                    dx.execute(params![eid, code, i as i64 + 1, poa])?;
                    s.diagnoses += 1;
                }
                for (i, code) in e.px.iter().enumerate() {
                    px.execute(params![eid, code, i as i64 + 1, &e.admit[..10]])?;
                    s.procedures += 1;
                }
                for d in &e.docs {
                    let signed_by = d.signed_at.as_ref().map(|_| d.author);
                    doc.execute(params![
                        pid,
                        eid,
                        d.doc_type,
                        d.title,
                        d.author,
                        d.service_date,
                        now,
                        d.status,
                        signed_by,
                        d.signed_at,
                        d.body,
                        d.part2,
                        d.psychotherapy,
                        provider_id.get(d.author),
                    ])?;
                    s.documents += 1;
                }
            }
            for t in p.tokens {
                postings.entry(t).or_default().push(pid as u32);
            }
        }
        progress(s.patients);
    }
    if stop.load(Ordering::Relaxed) {
        return Err(BulkError::Interrupted);
    }
    let mut title =
        c.prepare("INSERT OR IGNORE INTO code_titles (code_system, code, title) VALUES (?,?,?)")?;
    for (system, code, text) in titles {
        title.execute(params![system, code, text])?;
    }
    let mut tok = c.prepare("INSERT INTO search_token (id, token, df) VALUES (?,?,?)")?;
    let mut post = c.prepare("INSERT INTO search_posting (token_id, chunk, ids) VALUES (?,?,?)")?;
    let mut all: Vec<(String, Vec<u32>)> = postings.into_iter().collect();
    all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (i, (token, ids)) in all.iter().enumerate() {
        let tid = i as i64 + 1;
        tok.execute(params![tid, token, ids.len() as i64])?;
        for chunk in ids.chunk_by(|a, b| a >> CHUNK_BITS == b >> CHUNK_BITS) {
            post.execute(params![
                tid,
                i64::from(chunk[0] >> CHUNK_BITS),
                encode(chunk)
            ])?;
        }
    }
    s.search_tokens = all.len() as u64;
    c.execute(
        "UPDATE search_meta SET value = value + 1 WHERE key = 'vocab_generation'",
        [],
    )?;
    Ok(s)
}
