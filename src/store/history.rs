//! Versioned edits and their history: a save is one UPDATE that names the version it was
//! made against (none changed: someone else saved first) and one `changes` row per field.

use crate::domain::edit::{Change, Entity, FieldSpec};

use super::StoreError;
use super::sql::{Row, Tx};
use crate::params;

/// A record as an edit finds it: its id, its patient, its version and the stored value of
/// each editable field (in the entity's field order).
#[derive(Debug, Clone)]
pub struct Current {
    pub id: i64,
    pub patient_id: i64,
    pub version: i64,
    pub values: Vec<Option<String>>,
}

impl Current {
    pub fn value(&self, entity: Entity, field: &str) -> Option<&str> {
        let i = entity.fields().iter().position(|f| f.name == field)?;
        self.values.get(i)?.as_deref()
    }
}

fn patient_col(entity: Entity) -> &'static str {
    match entity {
        Entity::Patient => "id",
        Entity::Encounter | Entity::Document => "patient_id",
    }
}

/// The record with this row id, as it is now.
pub fn current(db: &dyn Tx, entity: Entity, id: i64) -> Result<Option<Current>, StoreError> {
    let cols: Vec<&str> = entity.fields().iter().map(|f| f.name).collect();
    let sql = format!(
        "SELECT id, {}, version, {} FROM {} WHERE id = ?",
        patient_col(entity),
        cols.join(", "),
        entity.table()
    );
    let Some(r) = db.query_row(&sql, params![id])? else {
        return Ok(None);
    };
    let values = (0..cols.len())
        .map(|i| r.opt_text(3 + i))
        .collect::<Result<_, _>>()?;
    Ok(Some(Current {
        id: r.int(0)?,
        patient_id: r.int(1)?,
        version: r.int(2)?,
        values,
    }))
}

/// The row id of an encounter by its account number.
pub fn encounter_id(db: &dyn Tx, account: &str) -> Result<Option<i64>, StoreError> {
    db.query_row(
        "SELECT id FROM encounters WHERE account_number = ?",
        params![account],
    )?
    .map(|r| r.int(0))
    .transpose()
}

/// Who saved, for the history rows.
pub struct Who<'a> {
    pub user_id: i64,
    pub username: &'a str,
    pub at: &'a str,
}

/// Saves the fields whose value differs from `cur` as one new version, if the record is
/// still at `expected` ([`StoreError::Conflict`] when it is not: nothing is written). Returns
/// the new version and the history rows written (none, and the version unchanged, when
/// every value was already as asked).
pub fn apply(
    db: &dyn Tx,
    entity: Entity,
    cur: &Current,
    expected: i64,
    fields: &[(&'static FieldSpec, Option<String>)],
    who: &Who<'_>,
    restores: Option<i64>,
) -> Result<(i64, Vec<i64>), StoreError> {
    if cur.version != expected {
        return Err(StoreError::Conflict);
    }
    let changed: Vec<_> = fields
        .iter()
        .filter(|(spec, v)| cur.value(entity, spec.name) != v.as_deref())
        .collect();
    if changed.is_empty() {
        return Ok((cur.version, Vec::new()));
    }
    let mut sets: Vec<String> = changed
        .iter()
        .map(|(s, _)| format!("{} = ?", s.name))
        .collect();
    sets.push("version = version + 1".into());
    let mut args: Vec<super::Value> = changed.iter().map(|(_, v)| v.clone().into()).collect();
    if entity == Entity::Patient {
        sets.push("updated_at = ?".into());
        args.push(who.at.into());
    }
    args.push(cur.id.into());
    args.push(expected.into());
    let sql = format!(
        "UPDATE {} SET {} WHERE id = ? AND version = ?",
        entity.table(),
        sets.join(", ")
    );
    if db.execute(&sql, &args)?.rows != 1 {
        return Err(StoreError::Conflict);
    }
    // The attending and the author refer to the providers table: a name typed here points
    // at the provider of that name (none: the name stays as typed, with no provider).
    for (spec, _) in &changed {
        let link = match (entity, spec.name) {
            (Entity::Encounter, "attending") => Some(("encounters", "attending_id", "attending")),
            (Entity::Document, "author") => Some(("documents", "author_id", "author")),
            _ => None,
        };
        if let Some((table, id_col, name_col)) = link {
            db.execute(
                &format!(
                    "UPDATE {table} SET {id_col} = (SELECT min(p.id) FROM providers p \
                     WHERE p.name = {table}.{name_col}) WHERE id = ?"
                ),
                params![cur.id],
            )?;
        }
    }
    let version = expected + 1;
    let mut ids = Vec::new();
    for (spec, v) in changed {
        let e = db.execute(
            "INSERT INTO changes (patient_id, entity, entity_id, version, field, before, after, \
             at, user_id, username, restores) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            params![
                cur.patient_id,
                entity.as_str(),
                cur.id,
                version,
                spec.name,
                cur.value(entity, spec.name),
                v.clone(),
                who.at,
                who.user_id,
                who.username,
                restores,
            ],
        )?;
        ids.push(e.id);
    }
    Ok((version, ids))
}

const CHANGE_COLS: &str = "c.id, c.entity, c.entity_id, \
     CASE c.entity WHEN 'patient' THEN (SELECT mrn FROM patients WHERE id = c.entity_id) \
       WHEN 'encounter' THEN (SELECT account_number FROM encounters WHERE id = c.entity_id) \
       ELSE 'document ' || c.entity_id END, \
     c.version, c.field, c.before, c.after, c.at, c.username, c.restores";

fn change(r: &Row) -> Result<Change, StoreError> {
    let entity = Entity::parse(&r.text(1)?).ok_or(StoreError::BadValue {
        column: 1,
        expected: "patient, encounter or document",
        found: "another word",
    })?;
    let field = r.text(5)?;
    let label = entity
        .field(&field)
        .map(|s| s.label.to_string())
        .unwrap_or_else(|| field.clone());
    Ok(Change {
        id: r.int(0)?,
        entity,
        entity_id: r.int(2)?,
        record: r.opt_data(3)?.unwrap_or_default(),
        version: r.int(4)?,
        field,
        label,
        before: r.opt_data(6)?,
        after: r.opt_data(7)?,
        at: r.data(8)?,
        username: r.data(9)?,
        restores: r.opt_int(10)?,
    })
}

fn changes(db: &dyn Tx, filter: &str, p: &[super::Value]) -> Result<Vec<Change>, StoreError> {
    let sql = format!("SELECT {CHANGE_COLS} FROM changes c WHERE {filter} ORDER BY c.id DESC");
    db.query(&sql, p)?.iter().map(change).collect()
}

/// Every change to a patient's chart (demographics, encounters, documents), newest first.
pub fn for_patient(db: &dyn Tx, patient_id: i64) -> Result<Vec<Change>, StoreError> {
    changes(db, "c.patient_id = ?", params![patient_id])
}

/// The changes to one record after `version`, newest first (what someone else saved).
pub fn since(
    db: &dyn Tx,
    entity: Entity,
    entity_id: i64,
    version: i64,
) -> Result<Vec<Change>, StoreError> {
    changes(
        db,
        "c.entity = ? AND c.entity_id = ? AND c.version > ?",
        params![entity.as_str(), entity_id, version],
    )
}

pub fn by_id(db: &dyn Tx, id: i64) -> Result<Option<(Change, i64)>, StoreError> {
    let sql = format!("SELECT {CHANGE_COLS}, c.patient_id FROM changes c WHERE c.id = ?");
    db.query_row(&sql, params![id])?
        .map(|r| Ok((change(&r)?, r.int(11)?)))
        .transpose()
}
