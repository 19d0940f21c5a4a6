//! Ordered migrations keyed on `PRAGMA user_version`, one transaction per step.
//! A fresh file and an older file both migrate; a file from a newer chartroom is refused.

use std::path::Path;

use super::sql::Sql;
use super::{StoreError, sqlite::APPLICATION_ID};

/// A schema step: its SQL, then Rust work in the same transaction (filling in derived data).
type Step = (&'static str, Option<fn(&dyn Sql) -> Result<(), StoreError>>);

const STEPS: &[Step] = &[
    (include_str!("schema/001_initial.sql"), None),
    (
        include_str!("schema/002_security.sql"),
        Some(chain_existing_audit_rows),
    ),
];

/// Step 2: hash-chain the audit rows written before the chain existed, then restore the
/// trigger that refuses UPDATE.
fn chain_existing_audit_rows(db: &dyn Sql) -> Result<(), StoreError> {
    super::audit::backfill_chain(db)?;
    db.execute_batch(
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit \
         BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;",
    )
}

/// The store version this program writes.
pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

pub fn run(db: &dyn Sql, path: &Path) -> Result<(), StoreError> {
    let current = user_version(db)?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    for (i, (step, then)) in STEPS.iter().enumerate().skip(current as usize) {
        let target = i as i64 + 1;
        db.begin_write()?;
        let applied = (|| {
            // Another process may have migrated while we waited for the lock.
            if user_version(db)? >= target {
                return Ok(());
            }
            db.execute_batch(step)?;
            if let Some(then) = then {
                then(db)?;
            }
            db.execute_batch(&format!(
                "PRAGMA user_version = {target}; PRAGMA application_id = {APPLICATION_ID};"
            ))
        })();
        match applied {
            Ok(()) => db.commit()?,
            Err(e) => {
                let _ = db.rollback();
                return Err(e);
            }
        }
    }
    Ok(())
}

fn user_version(db: &dyn Sql) -> Result<i64, StoreError> {
    Ok(db
        .query_row("PRAGMA user_version", &[])?
        .map(|r| r.int(0))
        .unwrap_or(0))
}
