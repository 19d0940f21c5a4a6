//! Copies of a store file, made and put back while others have it open: SQLite's online
//! backup API (pages copied under a read snapshot of the source; SQLCipher re-encrypts them
//! for a destination under another key), or `sqlcipher_export` where a copy goes from plain to
//! encrypted or back (the backup API refuses that). Never a rename over a file others have
//! open.

use std::path::Path;

use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};
use zeroize::Zeroizing;

use super::StoreError;
use super::sql::{CopyKey, Progress};
use super::sqlite::{APPLICATION_ID, SqliteDb, apply_key, create_private_file, map_open};
use crate::secrets::DataKey;

/// Pages copied per step: small enough that a clerk's save waits at most a moment.
const STEP_PAGES: i32 = 256;

fn open_keyed(path: &Path, key: Option<&DataKey>) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|e| map_open(e, path))?;
    if let Some(k) = key {
        apply_key(&conn, path, k)?;
    }
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| map_open(e, path))?;
    Ok(conn)
}

/// Runs the backup API from `src` to `dst`, telling `progress` as it goes. A busy or locked
/// step waits and tries again.
fn pages(
    src: &Connection,
    dst: &mut Connection,
    dst_path: &Path,
    progress: Progress<'_>,
) -> Result<(), StoreError> {
    let b = Backup::new(src, dst).map_err(|e| map_open(e, dst_path))?;
    // Another session holding the lock for a whole minute is no moment to wait out.
    let mut waited = 0u32;
    loop {
        let r = b.step(STEP_PAGES).map_err(|e| map_open(e, dst_path))?;
        let p = b.progress();
        progress(p.remaining.max(0) as u64, p.pagecount.max(0) as u64);
        match r {
            StepResult::Done => return Ok(()),
            StepResult::More => waited = 0,
            _ => {
                waited += 1;
                if waited > 1200 {
                    return Err(StoreError::Busy);
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
    }
}

/// `sqlcipher_export` of `src` into a new file `dest` under `key` (none: plain), in one
/// transaction over the source, with the version marks copied.
fn export(
    src: &Connection,
    src_path: &Path,
    dest: &Path,
    key: Option<&DataKey>,
    progress: Progress<'_>,
) -> Result<(), StoreError> {
    let lit: Zeroizing<String> = match key {
        Some(k) => k.sqlcipher_literal(),
        None => Zeroizing::new(String::new()),
    };
    let dest_s = dest
        .to_str()
        .ok_or_else(|| StoreError::BadLocation("the backup path is not valid text".into()))?;
    let version: i64 = src
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| map_open(e, src_path))?;
    progress(1, 1);
    src.execute(
        "ATTACH DATABASE ?1 AS chartroom_copy KEY ?2",
        rusqlite::params![dest_s, lit.as_str()],
    )
    .map_err(|e| map_open(e, dest))?;
    let r = src
        .execute_batch("BEGIN")
        .and_then(|_| src.query_row("SELECT sqlcipher_export('chartroom_copy')", [], |_| Ok(())))
        .and_then(|_| {
            src.execute_batch(&format!(
                "PRAGMA chartroom_copy.user_version = {version}; \
                 PRAGMA chartroom_copy.application_id = {APPLICATION_ID}; COMMIT;"
            ))
        });
    if r.is_err() {
        let _ = src.execute_batch("ROLLBACK");
    }
    let _ = src.execute_batch("DETACH DATABASE chartroom_copy");
    r.map_err(|e| map_open(e, dest))?;
    progress(0, 1);
    Ok(())
}

pub fn backup_to(
    db: &SqliteDb,
    dest: &Path,
    key: CopyKey<'_>,
    progress: Progress<'_>,
) -> Result<(), StoreError> {
    if dest.exists() {
        return Err(StoreError::Duplicate(format!(
            "{} already exists; a backup never overwrites a file: name a new one",
            dest.display()
        )));
    }
    create_private_file(dest)?;
    let own = db.key();
    let target: Option<DataKey> = match key {
        CopyKey::Own => own.clone(),
        CopyKey::Plain => None,
        CopyKey::Key(k) => Some(k.clone()),
    };
    let r = if own.is_some() == target.is_some() {
        open_keyed(dest, target.as_ref())
            .and_then(|mut dst| pages(db.raw(), &mut dst, dest, progress))
    } else {
        export(db.raw(), db.path(), dest, target.as_ref(), progress)
    };
    if r.is_err() {
        remove_with_sidecars(dest);
    }
    r
}

pub fn restore_from(
    db: &SqliteDb,
    src: &Path,
    key: Option<&DataKey>,
    progress: Progress<'_>,
) -> Result<(), StoreError> {
    let own = db.key();
    if own.is_some() != key.is_some() {
        return Err(StoreError::Other(
            "the copy to restore is not encrypted the way the store is".into(),
        ));
    }
    let from = open_keyed(src, key)?;
    // A second connection to the store itself: the backup API writes through it, under the
    // store's own key, while every other connection (ours included) stays open.
    let mut to = open_keyed(db.path(), own.as_ref())?;
    pages(&from, &mut to, db.path(), progress)?;
    drop(to);
    Ok(())
}

/// Removes a store file and the files SQLite keeps beside it.
pub fn remove_with_sidecars(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// Puts the store file `src` (keyed `src_key`) into `dest`, a store that no longer opens
/// (truncated, damaged), keyed `dest_key`: through the backup API into the same file; if
/// SQLite cannot even write into it, the damaged file is emptied in place first (never
/// renamed over) and its stale log files are removed.
pub fn overwrite_damaged(
    dest: &Path,
    dest_key: Option<&DataKey>,
    src: &Path,
    src_key: Option<&DataKey>,
    progress: Progress<'_>,
) -> Result<(), StoreError> {
    let from = open_keyed(src, src_key)?;
    let first = open_keyed(dest, dest_key).and_then(|mut to| pages(&from, &mut to, dest, progress));
    if first.is_ok() {
        return Ok(());
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut p = dest.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(dest)
        .and_then(|f| f.set_len(0))
        .map_err(|e| super::sqlite::io_err(dest, e))?;
    let mut to = open_keyed(dest, dest_key)?;
    pages(&from, &mut to, dest, &mut |_, _| {})
}

/// The audit rows past `from` of a store that no longer opens, as far as they can be read.
pub fn salvage_audit(
    path: &Path,
    key: Option<&DataKey>,
    from: i64,
) -> Result<Vec<super::audit::StoredRow>, StoreError> {
    let c = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| map_open(e, path))?;
    if let Some(k) = key {
        apply_key(&c, path, k)?;
    }
    let has_enc = c
        .query_row(
            "SELECT count(*) FROM pragma_table_info('audit') WHERE name = 'enc'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(|e| map_open(e, path))?
        > 0;
    let sql = format!(
        "SELECT {} FROM audit WHERE id > ?1 ORDER BY id",
        super::audit::select_list(has_enc)
    );
    let mut st = c.prepare(&sql).map_err(|e| map_open(e, path))?;
    let n = st.column_count();
    let mut rows = st.query([from]).map_err(|e| map_open(e, path))?;
    let mut out = Vec::new();
    while let Ok(Some(r)) = rows.next() {
        let mut vals = Vec::with_capacity(n);
        for i in 0..n {
            match r.get_ref(i) {
                Ok(v) => vals.push(super::sqlite::from_sql(v)),
                Err(_) => return Ok(out),
            }
        }
        match super::audit::StoredRow::read(&super::sql::Row(vals)) {
            Ok(row) => out.push(row),
            Err(_) => return Ok(out),
        }
    }
    Ok(out)
}
