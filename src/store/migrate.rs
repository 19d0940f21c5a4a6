//! Ordered migrations keyed on `PRAGMA user_version`, one transaction per step.
//! A fresh file and an older file both migrate; a file from a newer chartroom is refused.

use std::path::Path;

use super::sql::Sql;
use super::{StoreError, sqlite::APPLICATION_ID};

const STEPS: &[&str] = &[include_str!("schema/001_initial.sql")];

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
    for (i, step) in STEPS.iter().enumerate().skip(current as usize) {
        let target = i as i64 + 1;
        db.begin_write()?;
        let applied = (|| {
            // Another process may have migrated while we waited for the lock.
            if user_version(db)? >= target {
                return Ok(());
            }
            db.execute_batch(step)?;
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
