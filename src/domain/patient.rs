//! The chart: a patient's demographics, encounters, documents and codes.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{DomainError, Mrn, Phone, Sex, Ssn, SsnEntry, Text, clean_text};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientFlags {
    /// VIP or otherwise restricted: break-the-glass rules apply.
    pub restricted: bool,
    /// A member of the workforce.
    pub employee: bool,
    /// Has substance-use-disorder treatment records (42 CFR Part 2).
    pub part2: bool,
    pub deceased: bool,
}

impl PatientFlags {
    pub fn is_sensitive(&self) -> bool {
        self.restricted || self.employee || self.part2
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousName {
    /// `previous` (a former legal name) or `alias`.
    pub kind: Text,
    pub family: Text,
    pub given: Text,
}

/// A patient as stored in the master patient index.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Patient {
    #[serde(skip)]
    pub id: i64,
    pub mrn: Mrn,
    pub family: Text,
    pub given: Text,
    pub middle: Option<Text>,
    pub suffix: Option<Text>,
    pub dob: NaiveDate,
    pub sex: Sex,
    #[serde(skip)]
    pub ssn: Option<Ssn>,
    /// Why there is no SSN although one was sent (a placeholder meaning "unknown").
    pub ssn_note: Option<Text>,
    pub address: Option<Text>,
    pub city: Option<Text>,
    pub state: Option<Text>,
    pub postal_code: Option<Text>,
    pub phone: Option<Phone>,
    pub flags: PatientFlags,
    pub merged_into: Option<Mrn>,
    pub previous_names: Vec<PreviousName>,
    pub version: i64,
}

impl Patient {
    /// "Family, Given Middle Suffix" as records departments list patients.
    pub fn display_name(&self) -> Text {
        let mut s = format!("{}, {}", self.family.raw(), self.given.raw());
        for x in [&self.middle, &self.suffix].into_iter().flatten() {
            s.push(' ');
            s.push_str(x.raw());
        }
        Text::from(s)
    }
    pub fn ssn_last4(&self) -> Option<&str> {
        self.ssn.as_ref().map(|s| s.last4())
    }
}

/// A patient about to be registered, validated field by field.
#[derive(Debug, Clone)]
pub struct NewPatient {
    pub mrn: Option<Mrn>,
    pub family: String,
    pub given: String,
    pub middle: Option<String>,
    pub suffix: Option<String>,
    pub dob: NaiveDate,
    pub sex: Sex,
    pub ssn: Option<Ssn>,
    /// Set when the SSN sent was a placeholder meaning "unknown" (stored as no SSN).
    pub ssn_note: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<Phone>,
    pub flags: PatientFlags,
    pub previous_names: Vec<PreviousName>,
}

/// What a clerk typed to register a patient, before validation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PatientInput {
    pub mrn: Option<String>,
    pub family: String,
    pub given: String,
    pub middle: Option<String>,
    pub dob: String,
    pub sex: String,
    pub ssn: Option<String>,
    pub phone: Option<String>,
}

impl NewPatient {
    /// Validates typed input; `today` rejects birth dates in the future.
    pub fn from_input(i: &PatientInput, today: NaiveDate) -> Result<Self, DomainError> {
        let family = clean_text("family name", &i.family, 80, true)?.unwrap_or_default();
        let given = clean_text("given name", &i.given, 80, true)?.unwrap_or_default();
        let middle = match &i.middle {
            Some(m) => clean_text("middle name", m, 80, false)?,
            None => None,
        };
        let dob = super::parse_date(&i.dob)?;
        if dob > today {
            return Err(DomainError::FutureBirthDate(dob.to_string()));
        }
        let (ssn, ssn_note) = match i.ssn.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => (None, None),
            Some(s) => match Ssn::entry(s)? {
                SsnEntry::Known(n) => (Some(n), None),
                SsnEntry::Unknown(sent) => (
                    None,
                    Some(format!(
                        "the SSN was given as {sent}, which means unknown; no SSN is on file"
                    )),
                ),
            },
        };
        Ok(NewPatient {
            mrn: i.mrn.as_deref().map(Mrn::parse).transpose()?,
            family,
            given,
            middle,
            suffix: None,
            dob,
            sex: Sex::parse(&i.sex)?,
            ssn,
            ssn_note,
            address: None,
            city: None,
            state: None,
            postal_code: None,
            phone: i.phone.as_deref().map(Phone::parse).transpose()?,
            flags: PatientFlags::default(),
            previous_names: Vec::new(),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Encounter {
    #[serde(skip)]
    pub id: i64,
    pub account_number: Text,
    /// inpatient, outpatient, emergency, observation
    #[serde(rename = "type")]
    pub kind: Text,
    pub admit_at: Text,
    pub discharge_at: Option<Text>,
    pub attending: Option<Text>,
    pub service: Option<Text>,
    pub disposition: Option<Text>,
    /// `uncoded` (awaiting coding) or `coded`
    pub coding_status: Text,
    pub diagnoses: Vec<CodedDiagnosis>,
    pub procedures: Vec<CodedProcedure>,
    /// The version an edit of this encounter is made against.
    #[serde(default)]
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodedDiagnosis {
    pub system: Text,
    pub code: Text,
    pub sequence: i64,
    pub poa: Option<Text>,
    pub description: Option<Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodedProcedure {
    pub system: Text,
    pub code: Text,
    pub sequence: i64,
    pub performed_on: Option<Text>,
    pub description: Option<Text>,
}

/// A document as listed in the chart, without its text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentSummary {
    pub id: i64,
    pub encounter_account: Option<Text>,
    #[serde(rename = "type")]
    pub doc_type: Text,
    pub title: Text,
    pub author: Option<Text>,
    pub service_date: Text,
    pub status: Text,
    pub signed_by: Option<Text>,
    pub signed_at: Option<Text>,
    pub part2: bool,
    pub psychotherapy: bool,
    /// The version an edit of this document's details is made against.
    #[serde(default)]
    pub version: i64,
}

/// A document with its text, opened for reading.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Document {
    #[serde(flatten)]
    pub summary: DocumentSummary,
    pub text: Option<Text>,
    pub file_ref: Option<Text>,
}

/// Everything the chart viewer shows about one patient.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Chart {
    pub patient: Patient,
    /// Shown as `***-**-1234` unless revealed.
    pub ssn_shown: Option<String>,
    pub encounters: Vec<Encounter>,
    pub documents: Vec<DocumentSummary>,
}
