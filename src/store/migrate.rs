//! Ordered migrations keyed on the store's schema version, one transaction per step, through
//! the backend-neutral [`Store`] interface. A fresh store and an older one both migrate; a
//! store from a newer chartroom is refused.

use super::StoreError;
use super::sql::{Durability, Store, Tx, write_tx};

/// A schema step: its SQL, then Rust work in the same transaction (filling in derived data).
type Step = (&'static str, Option<fn(&dyn Tx) -> Result<(), StoreError>>);

const STEPS: &[Step] = &[
    (include_str!("schema/001_initial.sql"), None),
    (
        include_str!("schema/002_security.sql"),
        Some(chain_existing_audit_rows),
    ),
    (
        include_str!("schema/003_rights.sql"),
        Some(super::rights::seed_defaults),
    ),
    (
        include_str!("schema/004_providers.sql"),
        Some(super::providers::from_free_text),
    ),
    (include_str!("schema/005_hardening.sql"), None),
    (include_str!("schema/006_history.sql"), None),
];

/// Step 2: hash-chain the audit rows written before the chain existed, then restore the
/// trigger that refuses UPDATE.
fn chain_existing_audit_rows(db: &dyn Tx) -> Result<(), StoreError> {
    super::audit::backfill_chain(db)?;
    db.execute_batch(
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit \
         BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;",
    )
}

/// The store version this program writes.
pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

pub fn run(db: &dyn Store) -> Result<(), StoreError> {
    let current = db.schema_version()?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            location: db.location().to_string(),
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    if current < 0 {
        return Err(StoreError::DamagedVersion { marker: current });
    }
    for (i, (step, then)) in STEPS.iter().enumerate().skip(current as usize) {
        let target = i as i64 + 1;
        write_tx(db, Durability::Full, |tx| {
            // Another process may have migrated while we waited for the lock.
            if db.schema_version()? >= target {
                return Ok(());
            }
            tx.execute_batch(step)
                .map_err(|e| damaged_marker(e, current))?;
            if let Some(then) = then {
                then(tx)?;
            }
            db.set_schema_version(tx, target)
        })?;
    }
    Ok(())
}

/// A step that finds what it makes already there: the version marker is wrong, not the step
/// (the transaction rolls back, so nothing changes).
fn damaged_marker(e: StoreError, marker: i64) -> StoreError {
    match &e {
        StoreError::Other(m)
            if m.contains("duplicate column")
                || m.contains("already exists")
                || m.contains("no such trigger")
                || m.contains("no such table") =>
        {
            StoreError::DamagedVersion { marker }
        }
        _ => e,
    }
}
