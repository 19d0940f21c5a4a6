//! The providers repository.

use crate::domain::provider::Provider;

use super::StoreError;
use super::sql::{Row, Tx};

const COLS: &str = "id, name, npi, service, active, letter_address, user_id, version";

fn from_row(r: &Row) -> Result<Provider, StoreError> {
    Ok(Provider {
        id: r.int(0)?,
        name: r.data(1)?,
        npi: r.opt_data(2)?,
        service: r.opt_data(3)?,
        active: r.flag(4)?,
        letter_address: r.opt_data(5)?,
        user_id: r.opt_int(6)?,
        version: r.int(7)?,
    })
}

/// Every provider, by name.
pub fn list(db: &dyn Tx) -> Result<Vec<Provider>, StoreError> {
    db.query(
        &format!("SELECT {COLS} FROM providers ORDER BY name, id"),
        &[],
    )?
    .iter()
    .map(from_row)
    .collect()
}

pub fn by_id(db: &dyn Tx, id: i64) -> Result<Option<Provider>, StoreError> {
    db.query_row(
        &format!("SELECT {COLS} FROM providers WHERE id = ?"),
        crate::params![id],
    )?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Migration 4: one provider per distinct attending or author name written before the
/// table existed, and the encounters and documents pointed at them. No TEMP table (a libSQL
/// server refuses them: they belong to one connection): the index on `providers(name)` that
/// the step creates serves the look-ups.
pub fn from_free_text(db: &dyn Tx) -> Result<(), StoreError> {
    db.execute_batch(
        "INSERT INTO providers (name) SELECT attending FROM encounters WHERE attending IS NOT NULL \
         UNION SELECT author FROM documents WHERE author IS NOT NULL; \
         UPDATE encounters SET attending_id = (SELECT min(id) FROM providers p WHERE p.name = encounters.attending) \
         WHERE attending IS NOT NULL; \
         UPDATE documents SET author_id = (SELECT min(id) FROM providers p WHERE p.name = documents.author) \
         WHERE author IS NOT NULL;",
    )
}
