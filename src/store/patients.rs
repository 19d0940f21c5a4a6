//! The patient repository: the master patient index.

use chrono::NaiveDate;

use crate::domain::{Mrn, NewPatient, Patient, PatientFlags, Phone, PreviousName, Sex, Ssn, Text};

use super::StoreError;
use super::sql::{Row, Tx, Value};
use crate::params;

const PATIENT_COLS: &str = "p.id, p.mrn, p.family, p.given, p.middle, p.suffix, p.dob, p.sex, \
     p.ssn, p.address, p.city, p.state, p.postal_code, p.phone, p.restricted, p.employee, \
     p.part2, p.deceased, (SELECT m.mrn FROM patients m WHERE m.id = p.merged_into), p.version, \
     p.ssn_note";

fn patient_from_row(r: &Row) -> Result<Patient, StoreError> {
    let id = r.int(0)?;
    let bad = |what: &str| StoreError::Other(format!("patient record {id} has a bad {what}"));
    Ok(Patient {
        id,
        mrn: Mrn::parse(&r.text(1)?).map_err(|_| bad("MRN"))?,
        family: r.data(2)?,
        given: r.data(3)?,
        middle: r.opt_data(4)?,
        suffix: r.opt_data(5)?,
        dob: NaiveDate::parse_from_str(&r.text(6)?, "%Y-%m-%d")
            .map_err(|_| bad("date of birth"))?,
        sex: Sex::parse(&r.text(7)?).map_err(|_| bad("sex"))?,
        ssn: r.opt_text(8)?.and_then(|s| Ssn::from_stored(&s)),
        ssn_note: r.opt_data(20)?,
        address: r.opt_data(9)?,
        city: r.opt_data(10)?,
        state: r.opt_data(11)?,
        postal_code: r.opt_data(12)?,
        phone: r.opt_text(13)?.and_then(|s| Phone::from_stored(&s)),
        flags: PatientFlags {
            restricted: r.flag(14)?,
            employee: r.flag(15)?,
            part2: r.flag(16)?,
            deceased: r.flag(17)?,
        },
        merged_into: r.opt_text(18)?.and_then(|s| Mrn::parse(&s).ok()),
        previous_names: Vec::new(),
        version: r.int(19)?,
    })
}

pub fn by_mrn(db: &dyn Tx, mrn: &Mrn) -> Result<Option<Patient>, StoreError> {
    let sql = format!("SELECT {PATIENT_COLS} FROM patients p WHERE p.mrn = ?");
    load_one(db, &sql, params![mrn.as_str()])
}

pub fn by_id(db: &dyn Tx, id: i64) -> Result<Option<Patient>, StoreError> {
    let sql = format!("SELECT {PATIENT_COLS} FROM patients p WHERE p.id = ?");
    load_one(db, &sql, params![id])
}

fn load_one(db: &dyn Tx, sql: &str, p: &[Value]) -> Result<Option<Patient>, StoreError> {
    let Some(r) = db.query_row(sql, p)? else {
        return Ok(None);
    };
    let mut pat = patient_from_row(&r)?;
    pat.previous_names = previous_names(db, pat.id)?;
    Ok(Some(pat))
}

pub fn previous_names(db: &dyn Tx, patient_id: i64) -> Result<Vec<PreviousName>, StoreError> {
    db.query(
        "SELECT kind, family, given FROM patient_names WHERE patient_id = ? ORDER BY id",
        params![patient_id],
    )?
    .into_iter()
    .map(|r| {
        Ok(PreviousName {
            kind: r.data(0)?,
            family: r.data(1)?,
            given: r.data(2)?,
        })
    })
    .collect()
}

/// Inserts a validated patient with the MRN given; returns the new row id.
pub fn insert(db: &dyn Tx, p: &NewPatient, mrn: &Mrn, now: &str) -> Result<i64, StoreError> {
    let ssn = p.ssn.as_ref();
    let done = db.execute(
        "INSERT INTO patients (mrn, family, given, middle, suffix, dob, sex, ssn, ssn_last4, \
         address, city, state, postal_code, phone, restricted, employee, part2, deceased, \
         created_at, updated_at, ssn_note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) \
         ON CONFLICT(mrn) DO NOTHING",
        params![
            mrn.as_str(),
            &p.family,
            &p.given,
            p.middle.clone(),
            p.suffix.clone(),
            p.dob.format("%Y-%m-%d").to_string(),
            p.sex.code(),
            ssn.map(|s| s.digits().to_string()),
            ssn.map(|s| s.last4().to_string()),
            p.address.clone(),
            p.city.clone(),
            p.state.clone(),
            p.postal_code.clone(),
            p.phone.as_ref().map(|x| x.digits().to_string()),
            p.flags.restricted,
            p.flags.employee,
            p.flags.part2,
            p.flags.deceased,
            now,
            now,
            p.ssn_note.clone(),
        ],
    )?;
    if done.rows == 0 {
        return Err(StoreError::Duplicate(format!(
            "the MRN {mrn} is already in use; leave --mrn out to have one assigned"
        )));
    }
    let id = done.id;
    for pn in &p.previous_names {
        db.execute(
            "INSERT INTO patient_names (patient_id, kind, family, given) VALUES (?,?,?,?)",
            params![id, &pn.kind, &pn.family, &pn.given],
        )?;
    }
    Ok(id)
}

/// The next free numeric MRN (8 digits, starting at 10000000).
pub fn next_mrn(db: &dyn Tx) -> Result<Mrn, StoreError> {
    let max = db
        .count(
            "SELECT max(CAST(mrn AS INTEGER)) FROM patients WHERE mrn GLOB '[0-9]*' AND length(mrn) = 8",
            &[],
        )?
        .max(9_999_999);
    Mrn::parse(&(max + 1).to_string()).map_err(|e| StoreError::Other(e.to_string()))
}

fn ids(rows: Vec<Row>) -> Result<Vec<u32>, StoreError> {
    let mut v = rows
        .iter()
        .map(|r| r.int(0).map(|i| i as u32))
        .collect::<Result<Vec<u32>, _>>()?;
    v.sort_unstable();
    Ok(v)
}

/// Patients (not merged away) born between two ISO dates, inclusive; ids ascending.
pub fn ids_by_dob(db: &dyn Tx, from: &str, to: &str) -> Result<Vec<u32>, StoreError> {
    ids(db.query(
        "SELECT id FROM patients WHERE dob BETWEEN ? AND ? AND merged_into IS NULL",
        params![from, to],
    )?)
}

pub fn ids_by_ssn_last4(db: &dyn Tx, last4: &str) -> Result<Vec<u32>, StoreError> {
    ids(db.query(
        "SELECT id FROM patients WHERE ssn_last4 = ? AND merged_into IS NULL",
        params![last4],
    )?)
}

/// Ten digits match the whole number; seven match the local number.
pub fn ids_by_phone(db: &dyn Tx, digits: &str) -> Result<Vec<u32>, StoreError> {
    let sql = if digits.len() == 7 {
        "SELECT id FROM patients WHERE substr(phone, 4) = ? AND merged_into IS NULL"
    } else {
        "SELECT id FROM patients WHERE phone = ? AND merged_into IS NULL"
    };
    ids(db.query(sql, params![digits])?)
}

/// Patients whose MRN begins with `prefix` (at most `cap`), with whether it is exact.
pub fn ids_by_mrn_prefix(
    db: &dyn Tx,
    prefix: &str,
    cap: usize,
) -> Result<Vec<(u32, bool)>, StoreError> {
    let p = prefix.to_ascii_uppercase();
    let mut upper = p.clone().into_bytes();
    if let Some(last) = upper.last_mut() {
        *last += 1;
    }
    let upper = String::from_utf8(upper).unwrap_or_default();
    let rows = db.query(
        "SELECT id, mrn = ? FROM patients WHERE mrn >= ? AND mrn < ? AND merged_into IS NULL \
         ORDER BY mrn LIMIT ?",
        params![p.as_str(), p.as_str(), upper, cap as i64],
    )?;
    let mut v = rows
        .iter()
        .map(|r| Ok((r.int(0)? as u32, r.flag(1)?)))
        .collect::<Result<Vec<(u32, bool)>, StoreError>>()?;
    v.sort_unstable();
    Ok(v)
}

/// One line of a search result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PatientRow {
    #[serde(skip)]
    pub id: i64,
    pub mrn: Text,
    pub family: Text,
    pub given: Text,
    pub middle: Option<Text>,
    pub dob: Text,
    pub sex: Text,
    pub ssn_last4: Option<Text>,
    pub last_encounter: Option<Text>,
    pub restricted: bool,
    pub deceased: bool,
}

impl PatientRow {
    /// The date of birth, when the stored one reads as a date.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(self.dob.raw(), "%Y-%m-%d").ok()
    }
}

/// The rows shown in a result list, in the order of `ids`.
pub fn rows_by_ids(db: &dyn Tx, ids: &[i64]) -> Result<Vec<PatientRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // One statement for the whole list (the ids travel as a JSON array), not one per row.
    let list = format!(
        "[{}]",
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    );
    let rows = db.query(
        "SELECT p.id, p.mrn, p.family, p.given, p.middle, p.dob, p.sex, p.ssn_last4, \
         (SELECT max(e.admit_at) FROM encounters e WHERE e.patient_id = p.id), \
         p.restricted OR p.employee OR p.part2, p.deceased \
         FROM patients p WHERE p.id IN (SELECT value FROM json_each(?))",
        params![list],
    )?;
    let mut by_id = std::collections::HashMap::with_capacity(rows.len());
    for r in rows {
        let row = PatientRow {
            id: r.int(0)?,
            mrn: r.data(1)?,
            family: r.data(2)?,
            given: r.data(3)?,
            middle: r.opt_data(4)?,
            dob: r.data(5)?,
            sex: r.data(6)?,
            ssn_last4: r.opt_data(7)?,
            last_encounter: r
                .opt_text(8)?
                .map(|s| Text::from(s.chars().take(10).collect::<String>())),
            restricted: r.flag(9)?,
            deceased: r.flag(10)?,
        };
        by_id.insert(row.id, row);
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Every name a patient carries, for the search index.
pub fn name_fields(p: &Patient) -> Vec<String> {
    let mut f = vec![p.family.raw().to_string(), p.given.raw().to_string()];
    f.extend(p.middle.as_ref().map(|m| m.raw().to_string()));
    for n in &p.previous_names {
        f.push(n.family.raw().to_string());
        f.push(n.given.raw().to_string());
    }
    f
}
