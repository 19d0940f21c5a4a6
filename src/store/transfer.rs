//! Copies a whole store into another of any backend (a file onto a libSQL server, a server into
//! an encrypted file for a backup, and back), table by table through the `Store` interface:
//! one read snapshot of the source and one write transaction on the destination, so the copy
//! is consistent while others work on the source and the destination holds all of it or
//! nothing. Values travel as stored (the audit chain's hashes stay valid); row ids are kept.

use super::sql::{Durability, Store, Tx, Value, read_tx, write_tx};
use super::{SCHEMA_VERSION, StoreError};

/// Rows read per page and written per statement at most.
const PAGE: usize = 500;
/// Bound parameters per INSERT at most (SQLite's default limit is 32,766).
const MAX_PARAMS: usize = 30_000;

/// Tables that belong to a backend, not to chartroom's schema, and are never copied.
fn internal(name: &str) -> bool {
    name.starts_with("sqlite_")
        || name.starts_with("libsql_")
        || name.starts_with("_litestream")
        || name == "chartroom_meta"
}

/// Tables whose rows no one deletes (triggers refuse it): the destination must have none.
const APPEND_ONLY: [&str; 2] = ["audit", "privacy_alerts"];

/// What a copy moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    pub tables: usize,
    pub rows: u64,
    /// The newest audit row copied (0: none).
    pub audit_head: i64,
}

struct Table {
    name: String,
    cols: Vec<String>,
    /// The paging key: `rowid`, or the primary key of a WITHOUT ROWID table.
    key: Vec<String>,
    rows: u64,
}

fn quote(id: &str) -> String {
    format!("\"{}\"", id.replace('"', "\"\""))
}

fn tables(db: &dyn Tx) -> Result<Vec<Table>, StoreError> {
    let mut out = Vec::new();
    for r in db.query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name",
        &[],
    )? {
        let name = r.text(0)?;
        if internal(&name) {
            continue;
        }
        let without_rowid = r
            .opt_text(1)?
            .is_some_and(|s| s.to_ascii_uppercase().contains("WITHOUT ROWID"));
        let mut cols = Vec::new();
        let mut pk = Vec::new();
        for c in db.query(
            "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid",
            &[Value::from(&name)],
        )? {
            let col = c.text(0)?;
            if c.int(1)? > 0 {
                pk.push((c.int(1)?, col.clone()));
            }
            cols.push(col);
        }
        pk.sort();
        let key = if without_rowid {
            pk.into_iter().map(|(_, c)| c).collect()
        } else {
            vec!["rowid".to_string()]
        };
        let rows = db.count(&format!("SELECT count(*) FROM {}", quote(&name)), &[])? as u64;
        out.push(Table {
            name,
            cols,
            key,
            rows,
        });
    }
    Ok(out)
}

/// Copies `src` into `dst`, which must be a migrated chartroom store of the same version
/// with no records of its own (a new store: only the rows its migrations seed, which the copy
/// replaces). `progress(rows done, rows in all)` is told after every page.
pub fn copy(
    src: &dyn Store,
    dst: &dyn Store,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Copied, StoreError> {
    let (sv, dv) = (src.schema_version()?, dst.schema_version()?);
    if sv != SCHEMA_VERSION || dv != SCHEMA_VERSION {
        return Err(StoreError::Unsupported(format!(
            "both stores must be at store version {SCHEMA_VERSION} to copy (the source is at {sv}, the destination at {dv})"
        )));
    }
    read_tx(src, |s| {
        let from = tables(s)?;
        let total: u64 = from.iter().map(|t| t.rows).sum();
        write_tx(dst, Durability::Full, |d| {
            let to = tables(d)?;
            check_shapes(&from, &to, dst)?;
            // Rows point at rows copied later (a user at their patient record, a merged
            // patient at the survivor): foreign keys are checked at COMMIT instead.
            d.execute("PRAGMA defer_foreign_keys = ON", &[])?;
            // The audit trail's INSERT guard takes only rows chained the way this chartroom
            // writes them, and older rows (an earlier hash encoding) are copied as they are:
            // the destination's triggers are set aside for the copy and put back, as they
            // were, in the same transaction (`audit verify` checks the copy afterwards).
            let triggers = d.query(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
                &[],
            )?;
            for t in &triggers {
                d.execute(&format!("DROP TRIGGER {}", quote(&t.text(0)?)), &[])?;
            }
            for t in &to {
                if t.rows > 0 {
                    d.execute(&format!("DELETE FROM {}", quote(&t.name)), &[])?;
                }
            }
            let mut done = 0u64;
            progress(0, total);
            for t in &from {
                copy_table(s, d, t, &mut |n| {
                    done += n;
                    progress(done, total);
                })?;
                let there = d.count(&format!("SELECT count(*) FROM {}", quote(&t.name)), &[])?;
                if there as u64 != t.rows {
                    return Err(StoreError::Other(format!(
                        "the copy of {} holds {there} rows, not {}; nothing was kept",
                        t.name, t.rows
                    )));
                }
            }
            for t in &triggers {
                d.execute_batch(&t.text(1)?)?;
            }
            Ok(Copied {
                tables: from.len(),
                rows: total,
                audit_head: d.count("SELECT max(id) FROM audit", &[])?,
            })
        })
    })
}

/// The destination has chartroom's tables with the same columns, and nothing of its own in
/// the tables nobody may delete from.
fn check_shapes(from: &[Table], to: &[Table], dst: &dyn Store) -> Result<(), StoreError> {
    for f in from {
        let Some(t) = to.iter().find(|t| t.name == f.name) else {
            return Err(StoreError::Unsupported(format!(
                "{} has no table {}; nothing was copied",
                dst.location(),
                f.name
            )));
        };
        // Compared without case: the libSQL client re-writes statements from its own parse,
        // so a column named like a keyword ("action") reaches the server upper-cased.
        let lower = |c: &Vec<String>| c.iter().map(|s| s.to_ascii_lowercase()).collect::<Vec<_>>();
        let mut a = lower(&f.cols);
        let mut b = lower(&t.cols);
        a.sort();
        b.sort();
        if a != b {
            return Err(StoreError::Unsupported(format!(
                "the table {} differs between the two stores; nothing was copied",
                f.name
            )));
        }
    }
    for t in to {
        if APPEND_ONLY.contains(&t.name.as_str()) && t.rows > 0 {
            return Err(StoreError::Duplicate(format!(
                "{} already holds records (its {} has {} rows); a copy goes only into a new, empty store; nothing was copied",
                dst.location(),
                t.name,
                t.rows
            )));
        }
    }
    if to.iter().any(|t| t.name == "users" && t.rows > 0) {
        return Err(StoreError::Duplicate(format!(
            "{} already has users; a copy goes only into a new, empty store; nothing was copied",
            dst.location()
        )));
    }
    Ok(())
}

fn copy_table(
    s: &dyn Tx,
    d: &dyn Tx,
    t: &Table,
    done: &mut dyn FnMut(u64),
) -> Result<(), StoreError> {
    let cols: Vec<String> = t.cols.iter().map(|c| quote(c)).collect();
    let keys: Vec<String> = t
        .key
        .iter()
        .map(|k| if k == "rowid" { k.clone() } else { quote(k) })
        .collect();
    let key_list = keys.join(", ");
    let select = format!(
        "SELECT {key_list}, {} FROM {}",
        cols.join(", "),
        quote(&t.name)
    );
    let marks = vec!["?"; keys.len()].join(", ");
    let per_insert = (MAX_PARAMS / cols.len().max(1)).clamp(1, PAGE);
    let mut after: Option<Vec<Value>> = None;
    loop {
        let page = match &after {
            None => s.query(&format!("{select} ORDER BY {key_list} LIMIT {PAGE}"), &[])?,
            Some(k) => s.query(
                &format!(
                    "{select} WHERE ({key_list}) > ({marks}) ORDER BY {key_list} LIMIT {PAGE}"
                ),
                k,
            )?,
        };
        if page.is_empty() {
            return Ok(());
        }
        let nk = keys.len();
        for chunk in page.chunks(per_insert) {
            let one = format!("({})", vec!["?"; cols.len()].join(", "));
            let sql = format!(
                "INSERT INTO {} ({}) VALUES {}",
                quote(&t.name),
                cols.join(", "),
                vec![one; chunk.len()].join(", ")
            );
            let vals: Vec<Value> = chunk
                .iter()
                .flat_map(|r| r.0[nk..].iter().cloned())
                .collect();
            d.execute(&sql, &vals)?;
            done(chunk.len() as u64);
        }
        let last = page.last().map(|r| r.0[..nk].to_vec());
        if page.len() < PAGE {
            return Ok(());
        }
        after = last;
    }
}
