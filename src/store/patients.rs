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

// The id queries below feed patient search. The ones that list patients by a date, an MRN,
// a phone or SSN digits read one index and never the table, so a search touches few pages
// however many patients match (a year is ~1% of the store); a patient merged into another
// record is dropped when the hits become rows ([`merged_among`]), not here. Only the checks
// of a few given ids read their rows.

/// The end of the range of texts that begin with `prefix` (`prefix` <= x < this).
fn prefix_upper(prefix: &str) -> String {
    let mut upper = prefix.as_bytes().to_vec();
    if let Some(last) = upper.last_mut() {
        *last = last.saturating_add(1);
    }
    String::from_utf8(upper).unwrap_or_default()
}

/// A JSON array of ids, the one parameter that carries a list into a statement.
fn json_ids(ids: &[u32]) -> String {
    let mut s = String::with_capacity(ids.len() * 8 + 2);
    s.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&id.to_string());
    }
    s.push(']');
    s
}

/// Patients born between two ISO dates, inclusive; ids ascending.
pub fn ids_by_dob(db: &dyn Tx, from: &str, to: &str) -> Result<Vec<u32>, StoreError> {
    ids(db.query(
        "SELECT id FROM patients WHERE dob BETWEEN ? AND ?",
        params![from, to],
    )?)
}

/// Patients born between two ISO dates, inclusive, each with the month and day of birth
/// as `mm * 100 + dd`; ids ascending.
pub fn dobs_between(db: &dyn Tx, from: &str, to: &str) -> Result<Vec<(u32, u16)>, StoreError> {
    // One row of text (id, birthday, id, birthday, …) rather than a row per patient.
    let text = db
        .query_row(
            "SELECT group_concat(id || ',' || substr(dob, 6, 2) || substr(dob, 9, 2)) \
             FROM patients WHERE dob BETWEEN ? AND ?",
            params![from, to],
        )?
        .map(|r| r.opt_text(0))
        .transpose()?
        .flatten()
        .unwrap_or_default();
    let mut parts = text.split(',');
    let mut v: Vec<(u32, u16)> = Vec::new();
    while let (Some(id), Some(md)) = (parts.next(), parts.next()) {
        if let (Ok(id), Ok(md)) = (id.parse(), md.parse()) {
            v.push((id, md));
        }
    }
    v.sort_unstable();
    Ok(v)
}

pub fn ids_by_ssn_last4(db: &dyn Tx, last4: &str) -> Result<Vec<u32>, StoreError> {
    ids(db.query(
        "SELECT id FROM patients WHERE ssn_last4 = ?",
        params![last4],
    )?)
}

/// Ten digits match the whole number; seven match the local number.
pub fn ids_by_phone(db: &dyn Tx, digits: &str) -> Result<Vec<u32>, StoreError> {
    let sql = if digits.len() == 7 {
        "SELECT id FROM patients WHERE substr(phone, 4) = ?"
    } else {
        "SELECT id FROM patients WHERE phone = ?"
    };
    ids(db.query(sql, params![digits])?)
}

/// Patients whose phone number begins with `digits` (at most `cap`, in number order); ids
/// ascending.
pub fn ids_by_phone_prefix(db: &dyn Tx, digits: &str, cap: usize) -> Result<Vec<u32>, StoreError> {
    // The limit is written into the statement: a bound LIMIT makes SQLite re-prepare the
    // statement whenever the bounds change.
    let sql = format!(
        "SELECT group_concat(id) FROM \
         (SELECT id FROM patients WHERE phone >= ? AND phone < ? ORDER BY phone LIMIT {cap})"
    );
    let mut v = concat_ids(db.query_row(&sql, params![digits, prefix_upper(digits)])?)?;
    v.sort_unstable();
    Ok(v)
}

/// Patients whose MRN begins with `prefix` (at most `cap`, in MRN order), with whether it
/// is exact; ids ascending.
pub fn ids_by_mrn_prefix(
    db: &dyn Tx,
    prefix: &str,
    cap: usize,
) -> Result<Vec<(u32, bool)>, StoreError> {
    let p = prefix.to_ascii_uppercase();
    let exact = db
        .query_row("SELECT id FROM patients WHERE mrn = ?", params![p.as_str()])?
        .map(|r| r.int(0).map(|i| i as u32))
        .transpose()?;
    // One row of text rather than a row per id: a short prefix covers the whole cap.
    // The limit is written into the statement: a bound LIMIT makes SQLite re-prepare the
    // statement whenever the bounds change.
    let sql = format!(
        "SELECT group_concat(id) FROM \
         (SELECT id FROM patients WHERE mrn >= ? AND mrn < ? ORDER BY mrn LIMIT {cap})"
    );
    let mut v: Vec<(u32, bool)> =
        concat_ids(db.query_row(&sql, params![p.as_str(), prefix_upper(&p)])?)?
            .into_iter()
            .map(|id| (id, Some(id) == exact))
            .collect();
    v.sort_unstable();
    Ok(v)
}

/// The ids of a `group_concat(id)` row.
fn concat_ids(row: Option<Row>) -> Result<Vec<u32>, StoreError> {
    Ok(row
        .map(|r| r.opt_text(0))
        .transpose()?
        .flatten()
        .map(|t| t.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_default())
}

/// Patients whose MRN does not begin with `prefix`, when there are at most `cap` of them
/// (else `None`): the short way to filter by a prefix nearly every MRN shares.
pub fn ids_outside_mrn_prefix(
    db: &dyn Tx,
    prefix: &str,
    cap: usize,
) -> Result<Option<Vec<u32>>, StoreError> {
    let p = prefix.to_ascii_uppercase();
    let mut out = Vec::new();
    let limit = cap + 1;
    for (sql, bound) in [
        (
            format!(
                "SELECT group_concat(id) FROM (SELECT id FROM patients WHERE mrn < ? ORDER BY mrn DESC LIMIT {limit})"
            ),
            p.clone(),
        ),
        (
            format!(
                "SELECT group_concat(id) FROM (SELECT id FROM patients WHERE mrn >= ? ORDER BY mrn LIMIT {limit})"
            ),
            prefix_upper(&p),
        ),
    ] {
        out.extend(concat_ids(db.query_row(&sql, params![bound])?)?);
        if out.len() > cap {
            return Ok(None);
        }
    }
    out.sort_unstable();
    Ok(Some(out))
}

/// Which of `ids` have an MRN (`phone = false`) or phone number (`phone = true`) that
/// begins with `prefix`: for a prefix too common to list, checked on few candidates.
pub fn ids_with_prefix_among(
    db: &dyn Tx,
    ids_in: &[u32],
    prefix: &str,
    phone: bool,
) -> Result<Vec<u32>, StoreError> {
    let sql = if phone {
        "SELECT id FROM patients WHERE id IN (SELECT value FROM json_each(?)) \
         AND phone >= ? AND phone < ?"
    } else {
        "SELECT id FROM patients WHERE id IN (SELECT value FROM json_each(?)) \
         AND mrn >= ? AND mrn < ?"
    };
    let p = prefix.to_ascii_uppercase();
    ids(db.query(sql, params![json_ids(ids_in), p.as_str(), prefix_upper(&p)])?)
}

/// Which of `ids` were merged into another record.
pub fn merged_among(db: &dyn Tx, ids_in: &[u32]) -> Result<Vec<u32>, StoreError> {
    if ids_in.is_empty() {
        return Ok(Vec::new());
    }
    ids(db.query(
        "SELECT id FROM patients WHERE id IN (SELECT value FROM json_each(?)) \
         AND merged_into IS NOT NULL",
        params![json_ids(ids_in)],
    )?)
}

/// One line of a search result.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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

/// The names of some patients, for breaking ties between search hits.
#[derive(Debug, Clone)]
pub struct NameRow {
    pub id: i64,
    pub given: String,
    pub family: String,
    pub middle: Option<String>,
}

/// The current names of `ids` (in no particular order; unknown ids are left out).
pub fn names_by_ids(db: &dyn Tx, ids: &[i64]) -> Result<Vec<NameRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = format!(
        "[{}]",
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    );
    db.query(
        "SELECT id, given, family, middle FROM patients \
         WHERE id IN (SELECT value FROM json_each(?))",
        params![list],
    )?
    .into_iter()
    .map(|r| {
        Ok(NameRow {
            id: r.int(0)?,
            given: r.text(1)?,
            family: r.text(2)?,
            middle: r.opt_text(3)?,
        })
    })
    .collect()
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
