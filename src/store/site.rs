//! Site policy kept in the store (`site_settings`), changed only by an administrator.

use super::StoreError;
use super::sql::Tx;
use crate::params;

/// The stored value of a key, if set.
pub fn get(db: &dyn Tx, key: &str) -> Result<Option<String>, StoreError> {
    db.query_row(
        "SELECT value FROM site_settings WHERE key = ?",
        params![key],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// Every stored key and value.
pub fn all(db: &dyn Tx) -> Result<Vec<(String, String)>, StoreError> {
    db.query("SELECT key, value FROM site_settings ORDER BY key", &[])?
        .into_iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?)))
        .collect()
}

/// Sets a key (insert or update, bumping its version).
pub fn set(db: &dyn Tx, key: &str, value: &str) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO site_settings (key, value) VALUES (?, ?) \
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = version + 1",
        params![key, value],
    )?;
    Ok(())
}
