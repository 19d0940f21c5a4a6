//! Editing patients, encounters and documents' metadata, with no lost updates: a save names
//! the version it was made against and is refused (`ServiceError::Changed`, exit 5, with the
//! other person's change) when someone saved first. Every save keeps its history (who, when,
//! each field before and after); restoring an old value is a new change, never a rewrite.

use serde::{Deserialize, Serialize};

use crate::domain::edit::{Change, Edit, Entity, FieldError, FieldSpec, check_edit};
use crate::domain::{Action, Mrn, Object, Permission};
use crate::search::fold;
use crate::store::{
    self,
    history::{self, Current, Who},
};

use super::entry::{Cx, Op, Subject};
use super::{Access, Result, Service, ServiceError};

/// What a save did: the record's version now, and the changes it wrote (none when every
/// value was already as asked).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Saved {
    pub version: i64,
    pub changes: Vec<Change>,
}

pub(super) fn fields_message(bad: &[FieldError]) -> String {
    let each: Vec<String> = bad.iter().map(|b| b.message.clone()).collect();
    format!("nothing was saved: {}", each.join("; "))
}

pub(super) fn changed_message(theirs: &[Change]) -> String {
    let mut who: Vec<String> = Vec::new();
    for c in theirs {
        let w = format!("{} at {}", c.username, c.at);
        if !who.contains(&w) {
            who.push(w);
        }
    }
    let mut fields: Vec<&str> = Vec::new();
    for c in theirs {
        if !fields.contains(&c.label.as_str()) {
            fields.push(&c.label);
        }
    }
    format!(
        "this record was changed by someone else ({}: {}) after you opened it; nothing was saved; look at their change, then make yours again on the record as it is now",
        if who.is_empty() {
            "another user".into()
        } else {
            who.join(", ")
        },
        if fields.is_empty() {
            "the record".into()
        } else {
            fields.join(", ")
        }
    )
}

impl Service {
    /// Changes a patient's demographics (see the module's comment).
    pub fn edit_patient(&mut self, mrn: &str, edit: &Edit, access: &Access) -> Result<Saved> {
        let mrn = Mrn::parse(mrn)?;
        let op = Op::write(Action::PatientUpdate, Permission::Edit)
            .subject(Subject::Mrn {
                mrn: &mrn,
                gate: true,
            })
            .access(access);
        self.save(
            op,
            Entity::Patient,
            edit,
            None,
            Object::Patient(mrn.clone()),
        )
    }

    /// Changes an encounter (by account number): type, dates, attending, service, disposition.
    pub fn edit_encounter(&mut self, account: &str, edit: &Edit, access: &Access) -> Result<Saved> {
        let account = account.trim().to_string();
        let op = Op::write(Action::EncounterUpdate, Permission::Edit)
            .subject(Subject::Encounter(&account))
            .access(access);
        let object = Object::Encounter(account.clone());
        self.save(op, Entity::Encounter, edit, None, object)
    }

    /// Changes a document's metadata (type, title, author, service date), never its text.
    pub fn edit_document(&mut self, doc_id: i64, edit: &Edit, access: &Access) -> Result<Saved> {
        let op = Op::write(Action::DocumentUpdate, Permission::Edit)
            .subject(Subject::Document(doc_id))
            .access(access);
        self.save(op, Entity::Document, edit, None, Object::Document(doc_id))
    }

    /// Every change to a patient's chart, newest first.
    pub fn chart_history(&mut self, mrn: &str, access: &Access) -> Result<Vec<Change>> {
        let mrn = Mrn::parse(mrn)?;
        let op = Op::read(Action::HistoryRead, Permission::ViewChart)
            .subject(Subject::Mrn {
                mrn: &mrn,
                gate: true,
            })
            .access(access);
        self.run(op, |cx| {
            cx.note.object = Some(Object::Patient(mrn.clone()));
            let id = cx.patient.map(|p| p.id).unwrap_or_default();
            let all = history::for_patient(cx.tx, id)?;
            cx.note.detail = Some(format!("changes={}", all.len()));
            Ok(all)
        })
    }

    /// Puts back the value a change replaced, as a new change of the record (which names the
    /// one it restores). `version`: the version the clerk saw, as for any edit.
    pub fn restore_change(
        &mut self,
        mrn: &str,
        change_id: i64,
        version: Option<i64>,
        access: &Access,
    ) -> Result<Saved> {
        let m = Mrn::parse(mrn)?;
        let (old, _) = history::by_id(self.db(), change_id)?
            .ok_or_else(|| ServiceError::NotFound(format!("change {change_id}")))?;
        let value = old.before.as_ref().map(|t| t.raw().to_string());
        let edit = Edit {
            version,
            fields: vec![(old.field.clone(), value.unwrap_or_default())],
        };
        let (action, object, subject_doc) = match old.entity {
            Entity::Patient => (Action::PatientUpdate, Object::Patient(m.clone()), None),
            Entity::Encounter => (
                Action::EncounterUpdate,
                Object::Encounter(old.record.raw().to_string()),
                None,
            ),
            Entity::Document => (
                Action::DocumentUpdate,
                Object::Document(old.entity_id),
                Some(old.entity_id),
            ),
        };
        let op = match subject_doc {
            Some(d) => Op::write(action, Permission::Edit).subject(Subject::Document(d)),
            None => Op::write(action, Permission::Edit).subject(Subject::Mrn {
                mrn: &m,
                gate: true,
            }),
        }
        .access(access);
        let target = (old.entity, old.entity_id);
        self.save(
            op,
            old.entity,
            &edit,
            Some((change_id, target, m.clone())),
            object,
        )
    }

    /// One save through the entry point: check every field, find the record, refuse a stale
    /// version with the other person's change, write the new version and its history.
    fn save(
        &mut self,
        op: Op<'_>,
        entity: Entity,
        edit: &Edit,
        restores: Option<(i64, (Entity, i64), Mrn)>,
        object: Object,
    ) -> Result<Saved> {
        let fields = check_edit(entity, edit, self.clock.today()).map_err(ServiceError::Fields)?;
        if fields.is_empty() {
            return Err(ServiceError::Usage(
                "nothing to change: give at least one field and its new value".into(),
            ));
        }
        let user_id = self.actor.user.id;
        let username = self.actor.user.username.raw().to_string();
        self.run(op, |cx| {
            let patient_id = cx.patient.map(|p| p.id).unwrap_or_default();
            let id = match (&restores, &object) {
                (Some((_, (_, id), _)), _) => *id,
                (None, Object::Encounter(a)) => history::encounter_id(cx.tx, a)?
                    .ok_or_else(|| ServiceError::NotFound(format!("the account {a}")))?,
                (None, Object::Document(d)) => *d,
                _ => patient_id,
            };
            let cur = history::current(cx.tx, entity, id)?
                .ok_or_else(|| ServiceError::NotFound(format!("{} {id}", entity.as_str())))?;
            if cur.patient_id != patient_id {
                return Err(ServiceError::NotFound(format!(
                    "that change in the chart of {}",
                    restores
                        .as_ref()
                        .map(|r| r.2.to_string())
                        .unwrap_or_default()
                )));
            }
            let expected = edit.version.unwrap_or(cur.version);
            if expected != cur.version {
                let theirs = history::since(cx.tx, entity, id, expected)?;
                return Err(ServiceError::Changed {
                    version: cur.version,
                    theirs,
                });
            }
            check_together(entity, &cur, &fields)?;
            let who = Who {
                user_id,
                username: &username,
                at: cx.now,
            };
            let restored = restores.as_ref().map(|r| r.0);
            let (version, ids) =
                history::apply(cx.tx, entity, &cur, expected, &fields, &who, restored)
                    .map_err(|e| stale(cx, entity, id, expected, e))?;
            if entity == Entity::Patient && !ids.is_empty() {
                reindex_names(cx, &cur, &fields)?;
            }
            let mut changes = Vec::new();
            for c in &ids {
                if let Some((c, _)) = history::by_id(cx.tx, *c)? {
                    changes.push(c);
                }
            }
            cx.note.object = Some(object.clone());
            let names: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
            cx.note.detail = Some(
                serde_json::json!({"fields": names, "version": version, "restores": restored})
                    .to_string(),
            );
            Ok(Saved { version, changes })
        })
    }
}

/// A conflict found by the UPDATE itself (another writer between the read and the write of
/// a backend that does not hold the lock): said the same way.
fn stale(
    cx: &Cx<'_>,
    entity: Entity,
    id: i64,
    expected: i64,
    e: store::StoreError,
) -> ServiceError {
    match e {
        store::StoreError::Conflict => ServiceError::Changed {
            version: expected,
            theirs: history::since(cx.tx, entity, id, expected).unwrap_or_default(),
        },
        e => e.into(),
    }
}

/// Rules across fields: an encounter is never discharged before it was admitted.
fn check_together(
    entity: Entity,
    cur: &Current,
    fields: &[(&'static FieldSpec, Option<String>)],
) -> Result<()> {
    if entity != Entity::Encounter {
        return Ok(());
    }
    let after = |name: &str| -> Option<String> {
        match fields.iter().find(|(s, _)| s.name == name) {
            Some((_, v)) => v.clone(),
            None => cur.value(entity, name).map(str::to_string),
        }
    };
    if let (Some(a), Some(d)) = (after("admit_at"), after("discharge_at"))
        && d < a
    {
        return Err(ServiceError::Fields(vec![FieldError {
            field: "discharge_at".into(),
            label: "discharge".into(),
            message: format!("the discharge ({d}) is before the admission ({a})"),
        }]));
    }
    Ok(())
}

/// A name changed: the patient is found by the new name, no longer by the old one.
fn reindex_names(
    cx: &Cx<'_>,
    cur: &Current,
    fields: &[(&'static FieldSpec, Option<String>)],
) -> Result<()> {
    let names = ["family", "given", "middle"];
    if !fields.iter().any(|(s, _)| names.contains(&s.name)) {
        return Ok(());
    }
    let before: Vec<String> = names
        .iter()
        .filter_map(|n| cur.value(Entity::Patient, n).map(str::to_string))
        .collect();
    let after: Vec<String> = names
        .iter()
        .filter_map(|n| match fields.iter().find(|(s, _)| s.name == *n) {
            Some((_, v)) => v.clone(),
            None => cur.value(Entity::Patient, n).map(str::to_string),
        })
        .collect();
    let old = fold::patient_tokens(before.iter().map(String::as_str));
    let new = fold::patient_tokens(after.iter().map(String::as_str));
    let gone: Vec<String> = old.iter().filter(|t| !new.contains(t)).cloned().collect();
    let added: Vec<String> = new.iter().filter(|t| !old.contains(t)).cloned().collect();
    store::search_index::remove(cx.tx, cur.id, &gone)?;
    store::search_index::add(cx.tx, cur.id, &added)?;
    Ok(())
}
