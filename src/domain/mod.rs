//! Pure types and rules of the records department. No I/O, no SQL, no terminal.

pub mod access;
pub mod audit;
pub mod bulk;
pub mod date;
pub mod ident;
pub mod patient;
pub mod policy;
pub mod provider;
pub mod text;

pub use access::{Permission, Role};
pub use audit::{Action, Object, Outcome};
pub use date::{DateQuery, parse_date, parse_date_query};
pub use ident::{Mrn, Phone, Sex, Ssn};
pub use patient::{
    Chart, CodedDiagnosis, CodedProcedure, Document, DocumentSummary, Encounter, NewPatient,
    Patient, PatientFlags, PatientInput, PreviousName,
};
pub use text::Text;

/// Why a value typed by a clerk (or sent by a feed) was not accepted.
/// Every message says what was wrong and what a valid value looks like.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("the date \"{0}\" is not valid: use YYYY-MM-DD, MM/DD/YYYY or YYYYMMDD")]
    BadDate(String),
    #[error("the date of birth {0} is in the future")]
    FutureBirthDate(String),
    #[error("the MRN \"{0}\" is not valid: use 1 to 20 letters or digits")]
    BadMrn(String),
    #[error("the sex \"{0}\" is not valid: use F, M, O, U, A or N (HL7 table 0001)")]
    BadSex(String),
    #[error("the SSN is not valid: it needs 9 digits (for example 900-12-3456)")]
    BadSsn,
    #[error("the phone number \"{0}\" is not valid: use 10 digits (for example 555-201-3344)")]
    BadPhone(String),
    #[error("the NPI \"{0}\" is not valid: an NPI has 10 digits, the last a check digit")]
    BadNpi(String),
    #[error("the {0} is missing")]
    Missing(&'static str),
    #[error("the {field} is too long (at most {max} characters)")]
    TooLong { field: &'static str, max: usize },
    #[error("the {0} contains control characters; type it again without them")]
    ControlChars(&'static str),
}

/// Checks a free-text field a clerk typed: required, length-limited, no control characters.
pub fn clean_text(
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<Option<String>, DomainError> {
    let v = value.trim();
    if v.is_empty() {
        return if required {
            Err(DomainError::Missing(field))
        } else {
            Ok(None)
        };
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(DomainError::ControlChars(field));
    }
    if v.chars().count() > max {
        return Err(DomainError::TooLong { field, max });
    }
    Ok(Some(v.to_string()))
}
