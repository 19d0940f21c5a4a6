//! Editing a record: which fields of a patient, an encounter or a document may be changed,
//! how each is checked, and the change history kept for every save (who, when, each field
//! before and after). A save names the version it was made against; a save against a record
//! changed since is refused (no lost updates), and restoring an old value is a new change.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{DomainError, Phone, Sex, Text, clean_text, parse_date};

/// The kind of record a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Patient,
    Encounter,
    Document,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Patient => "patient",
            Entity::Encounter => "encounter",
            Entity::Document => "document",
        }
    }

    pub fn parse(s: &str) -> Option<Entity> {
        [Entity::Patient, Entity::Encounter, Entity::Document]
            .into_iter()
            .find(|e| e.as_str() == s)
    }

    /// The table its rows live in (a constant, never typed text).
    pub fn table(self) -> &'static str {
        match self {
            Entity::Patient => "patients",
            Entity::Encounter => "encounters",
            Entity::Document => "documents",
        }
    }

    /// The fields of this kind of record that may be edited, in form order.
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            Entity::Patient => PATIENT_FIELDS,
            Entity::Encounter => ENCOUNTER_FIELDS,
            Entity::Document => DOCUMENT_FIELDS,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static FieldSpec> {
        self.fields().iter().find(|f| f.name == name)
    }
}

/// How a field's typed value is checked and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text up to `max` characters, no control or invisible formatting characters.
    Text,
    /// A date of birth: the three accepted forms, never in the future.
    BirthDate,
    /// A date (service date): the three forms, never in the future.
    Date,
    /// A date and time `YYYY-MM-DD HH:MM` (local time), as encounters keep them.
    DateTime,
    Sex,
    Phone,
    /// Two letters (a US state or territory code).
    State,
    /// A ZIP code: 5 digits, or 5+4.
    Postal,
    /// inpatient, outpatient, emergency or observation.
    EncounterType,
}

/// One editable field: its column, its label for a clerk, and its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The column (and the name a change and the shell's flag use).
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    pub max: usize,
}

const fn f(
    name: &'static str,
    label: &'static str,
    kind: FieldKind,
    required: bool,
    max: usize,
) -> FieldSpec {
    FieldSpec {
        name,
        label,
        kind,
        required,
        max,
    }
}

use FieldKind as K;

pub const PATIENT_FIELDS: &[FieldSpec] = &[
    f("family", "family name", K::Text, true, 80),
    f("given", "given name", K::Text, true, 80),
    f("middle", "middle name", K::Text, false, 80),
    f("suffix", "suffix", K::Text, false, 20),
    f("dob", "date of birth", K::BirthDate, true, 10),
    f("sex", "sex", K::Sex, true, 1),
    f("address", "address", K::Text, false, 200),
    f("city", "city", K::Text, false, 80),
    f("state", "state", K::State, false, 2),
    f("postal_code", "ZIP code", K::Postal, false, 10),
    f("phone", "phone", K::Phone, false, 20),
];

pub const ENCOUNTER_FIELDS: &[FieldSpec] = &[
    f("type", "encounter type", K::EncounterType, true, 12),
    f("admit_at", "admission", K::DateTime, true, 16),
    f("discharge_at", "discharge", K::DateTime, false, 16),
    f("attending", "attending", K::Text, false, 120),
    f("service", "service", K::Text, false, 80),
    f("disposition", "disposition", K::Text, false, 80),
];

pub const DOCUMENT_FIELDS: &[FieldSpec] = &[
    f("doc_type", "document type", K::Text, true, 60),
    f("title", "title", K::Text, true, 200),
    f("author", "author", K::Text, false, 120),
    f("service_date", "service date", K::Date, true, 10),
];

/// What a clerk typed: the version the record had when they opened it (none: whatever it
/// is now, for a script that has just read it), and the new value of each field changed (an
/// empty value clears an optional field).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Edit {
    pub version: Option<i64>,
    pub fields: Vec<(String, String)>,
}

impl Edit {
    pub fn new(version: Option<i64>) -> Edit {
        Edit {
            version,
            fields: Vec::new(),
        }
    }

    pub fn set(mut self, field: &str, value: impl Into<String>) -> Edit {
        self.fields.push((field.to_string(), value.into()));
        self
    }
}

/// Why one field was not accepted: the field (its name and label) and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub label: String,
    pub message: String,
}

/// One saved change of one field, as the history keeps it. Values are as stored (a phone's
/// digits, a date of birth as YYYY-MM-DD); `None` is "empty".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub id: i64,
    pub entity: Entity,
    pub entity_id: i64,
    /// What the record is called in the chart (an MRN, an account number, a document id).
    pub record: Text,
    /// The record's version this change made.
    pub version: i64,
    pub field: String,
    pub label: String,
    pub before: Option<Text>,
    pub after: Option<Text>,
    pub at: Text,
    pub username: Text,
    /// The change whose old value this one put back.
    pub restores: Option<i64>,
}

impl Change {
    /// How a change reads in one line: "phone: (555) 201-3344 → (555) 201-9999".
    pub fn describe(&self) -> String {
        format!(
            "{}: {} → {}",
            self.label,
            shown_value(&self.field, self.before.as_ref()),
            shown_value(&self.field, self.after.as_ref())
        )
    }
}

/// A value as a clerk reads it (a phone formatted, an empty value as "(empty)").
pub fn shown_value(field: &str, v: Option<&Text>) -> String {
    match v {
        None => "(empty)".into(),
        Some(t) if field == "phone" => Phone::from_stored(t.raw())
            .map(|p| p.to_string())
            .unwrap_or_else(|| t.shown().into_owned()),
        Some(t) => t.shown().into_owned(),
    }
}

/// Checks one typed value; returns what is stored (`None` clears the field).
pub fn check_value(
    spec: &FieldSpec,
    value: &str,
    today: NaiveDate,
) -> Result<Option<String>, DomainError> {
    let Some(v) = clean_text(spec.label, value, spec.max.max(20), spec.required)? else {
        return Ok(None);
    };
    let v = match spec.kind {
        K::Text => clean_text(spec.label, &v, spec.max, spec.required)?.unwrap_or_default(),
        K::BirthDate => {
            let d = parse_date(&v)?;
            if d > today {
                return Err(DomainError::FutureBirthDate(d.to_string()));
            }
            if d < NaiveDate::from_ymd_opt(1880, 1, 1).expect("a date") {
                return Err(DomainError::BadDate(v));
            }
            d.format("%Y-%m-%d").to_string()
        }
        K::Date => {
            let d = parse_date(&v)?;
            if d > today {
                return Err(DomainError::Future {
                    field: spec.label,
                    date: d.to_string(),
                });
            }
            d.format("%Y-%m-%d").to_string()
        }
        K::DateTime => {
            let t = chrono::NaiveDateTime::parse_from_str(&v, "%Y-%m-%d %H:%M")
                .map_err(|_| DomainError::BadDateTime(v.clone()))?;
            if t.date() > today {
                return Err(DomainError::Future {
                    field: spec.label,
                    date: t.date().to_string(),
                });
            }
            t.format("%Y-%m-%d %H:%M").to_string()
        }
        K::Sex => Sex::parse(&v)?.code().to_string(),
        K::Phone => Phone::parse(&v)?.digits().to_string(),
        K::State => {
            let s = v.to_ascii_uppercase();
            if s.len() != 2 || !s.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(DomainError::BadState(v));
            }
            s
        }
        K::Postal => {
            let ok = match v.len() {
                5 => v.bytes().all(|b| b.is_ascii_digit()),
                10 => v.bytes().enumerate().all(|(i, b)| {
                    if i == 5 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                }),
                _ => false,
            };
            if !ok {
                return Err(DomainError::BadPostal(v));
            }
            v
        }
        K::EncounterType => {
            let s = v.to_ascii_lowercase();
            if !["inpatient", "outpatient", "emergency", "observation"].contains(&s.as_str()) {
                return Err(DomainError::BadEncounterType(v));
            }
            s
        }
    };
    Ok(Some(v))
}

/// Checks every field of an edit; either all of them pass (each with its spec and the value
/// to store) or every failing field is named, so a form can mark each one.
pub fn check_edit(
    entity: Entity,
    edit: &Edit,
    today: NaiveDate,
) -> Result<Vec<(&'static FieldSpec, Option<String>)>, Vec<FieldError>> {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for (name, value) in &edit.fields {
        let Some(spec) = entity.field(name) else {
            bad.push(FieldError {
                field: name.clone(),
                label: name.clone(),
                message: format!("a {} has no field \"{name}\"", entity.as_str()),
            });
            continue;
        };
        if ok
            .iter()
            .any(|(s, _): &(&FieldSpec, _)| s.name == spec.name)
        {
            bad.push(FieldError {
                field: name.clone(),
                label: spec.label.into(),
                message: format!("the {} is given twice", spec.label),
            });
            continue;
        }
        match check_value(spec, value, today) {
            Ok(v) => ok.push((spec, v)),
            Err(e) => bad.push(FieldError {
                field: spec.name.into(),
                label: spec.label.into(),
                message: e.to_string(),
            }),
        }
    }
    if bad.is_empty() { Ok(ok) } else { Err(bad) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    #[test]
    fn every_bad_field_is_named_and_good_ones_are_stored_canonically() {
        let e = Edit::new(Some(1))
            .set("phone", "555 201 3344")
            .set("dob", "03/14/1970")
            .set("state", "ny");
        let ok = check_edit(Entity::Patient, &e, today()).unwrap();
        let got: Vec<_> = ok.iter().map(|(s, v)| (s.name, v.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("phone", Some("5552013344".into())),
                ("dob", Some("1970-03-14".into())),
                ("state", Some("NY".into()))
            ]
        );
        let long = "x".repeat(10_000);
        let e = Edit::new(Some(1))
            .set("dob", "2030-01-01")
            .set("address", &long)
            .set("city", "Spring\u{7}field")
            .set("family", "")
            .set("given", "1970- 1- 1")
            .set("nickname", "Al");
        let bad = check_edit(Entity::Patient, &e, today()).unwrap_err();
        let fields: Vec<_> = bad.iter().map(|b| b.field.as_str()).collect();
        assert_eq!(fields, ["dob", "address", "city", "family", "nickname"]);
        assert!(bad[0].message.contains("future"), "{}", bad[0].message);
        assert!(bad[1].message.contains("too long"), "{}", bad[1].message);
        assert!(bad[2].message.contains("control"), "{}", bad[2].message);
        assert!(bad[3].message.contains("missing"), "{}", bad[3].message);
        for d in ["1970-02-30", "1970- 1- 1", "1850-01-01"] {
            assert!(check_value(&PATIENT_FIELDS[4], d, today()).is_err(), "{d}");
        }
    }

    #[test]
    fn encounter_and_document_fields_have_their_own_rules() {
        let e = Edit::new(None)
            .set("type", "Inpatient")
            .set("discharge_at", "2026-11-20 14:05");
        assert!(check_edit(Entity::Encounter, &e, today()).is_ok());
        let e = Edit::new(None)
            .set("type", "ward")
            .set("discharge_at", "2026-11-20");
        assert_eq!(
            check_edit(Entity::Encounter, &e, today())
                .unwrap_err()
                .len(),
            2
        );
        let e = Edit::new(None)
            .set("title", "")
            .set("service_date", "2027-01-01");
        assert_eq!(
            check_edit(Entity::Document, &e, today()).unwrap_err().len(),
            2
        );
    }
}
