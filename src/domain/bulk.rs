//! Records to load in bulk into a fresh store: plain rows, as the demo generator makes them
//! (and an import could). The store's bulk loader takes these; it knows nothing of where they
//! came from.

use chrono::NaiveDate;

use super::{PatientFlags, Sex};

/// One patient with everything on their chart.
#[derive(Debug, Clone)]
pub struct BulkPatient {
    pub mrn: String,
    pub family: String,
    pub given: String,
    pub middle: Option<String>,
    pub suffix: Option<String>,
    pub dob: NaiveDate,
    pub sex: Sex,
    pub ssn: Option<String>,
    pub address: String,
    pub city: &'static str,
    pub state: &'static str,
    pub postal_code: String,
    pub phone: Option<String>,
    pub flags: PatientFlags,
    /// (kind, family, given): previous legal names and aliases.
    pub previous: Vec<(&'static str, String, String)>,
    pub encounters: Vec<BulkEncounter>,
    /// The folded search tokens of every name the patient has had.
    pub tokens: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct BulkEncounter {
    pub account: String,
    pub kind: &'static str,
    pub admit: String,
    pub discharge: Option<String>,
    pub attending: &'static str,
    pub service: &'static str,
    pub disposition: Option<&'static str>,
    pub coded: bool,
    /// (ICD-10-CM code without the dot, POA indicator), principal first.
    pub dx: Vec<(&'static str, Option<&'static str>)>,
    /// ICD-10-PCS codes.
    pub px: Vec<&'static str>,
    pub docs: Vec<BulkDocument>,
}

#[derive(Debug, Clone)]
pub struct BulkDocument {
    pub doc_type: &'static str,
    pub title: &'static str,
    pub author: &'static str,
    pub service_date: String,
    pub status: &'static str,
    pub signed_at: Option<String>,
    pub body: String,
    pub part2: bool,
    pub psychotherapy: bool,
}

/// A provider the records name (attendings and authors refer to them by `name`).
#[derive(Debug, Clone)]
pub struct BulkProvider {
    pub name: &'static str,
    pub npi: String,
    pub service: &'static str,
    pub letter_address: String,
}

/// (code system, code, title) of a code the records use, for the chart's short titles.
pub type CodeTitle = (&'static str, &'static str, &'static str);
