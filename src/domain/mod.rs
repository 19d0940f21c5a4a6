//! Pure types and rules of the records department. No I/O, no SQL, no terminal.

pub mod access;
pub mod audit;
pub mod bulk;
pub mod date;
pub mod date_typed;
pub mod edit;
pub mod ident;
pub mod patient;
pub mod policy;
pub mod provider;
pub mod text;
pub mod wire;

pub use access::{Permission, Role};
pub use audit::{Action, Object, Outcome};
pub use date::{DateQuery, parse_date, parse_date_query};
pub use ident::{Mrn, Phone, Sex, Ssn, SsnEntry};
pub use patient::{
    Chart, CodedDiagnosis, CodedProcedure, Document, DocumentSummary, Encounter, NewPatient,
    Patient, PatientFlags, PatientInput, PreviousName,
};
pub use text::Text;

/// Why a value typed by a clerk (or sent by a feed) was not accepted.
/// Every message says what was wrong and what a valid value looks like.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum DomainError {
    #[error("the date \"{0}\" is not valid: use YYYY-MM-DD, MM/DD/YYYY or YYYYMMDD")]
    BadDate(String),
    #[error("the date of birth {0} is in the future")]
    FutureBirthDate(String),
    #[error("the {field} {date} is in the future")]
    Future {
        #[serde(deserialize_with = "wire::name")]
        field: wire::Name,
        date: String,
    },
    #[error("the date and time \"{0}\" is not valid: use YYYY-MM-DD HH:MM (2026-11-20 14:05)")]
    BadDateTime(String),
    #[error("the state \"{0}\" is not valid: use its two-letter code (NY, CA, PR)")]
    BadState(String),
    #[error("the ZIP code \"{0}\" is not valid: use 5 digits, or 5+4 as 12345-6789")]
    BadPostal(String),
    #[error(
        "the encounter type \"{0}\" is not valid: use inpatient, outpatient, emergency or observation"
    )]
    BadEncounterType(String),
    #[error("the MRN \"{0}\" is not valid: use 1 to 20 letters or digits")]
    BadMrn(String),
    #[error("the sex \"{0}\" is not valid: use F, M, O, U, A or N (HL7 table 0001)")]
    BadSex(String),
    #[error("the SSN is not valid: use 9 digits, as 123-45-6789 or 123456789")]
    BadSsn,
    #[error("the SSN cannot be right: {0}; check it with the patient, or leave it out")]
    NeverIssuedSsn(#[serde(deserialize_with = "wire::name")] wire::Name),
    #[error(
        "the phone number \"{0}\" is not valid: use 10 digits whose area code and exchange start with 2 to 9 (for example 555-201-3344), or + and the country code for a number outside North America (+44 20 7946 0958)"
    )]
    BadPhone(String),
    #[error("the NPI \"{0}\" is not valid: an NPI has 10 digits, the last a check digit")]
    BadNpi(String),
    #[error("the {0} is missing")]
    Missing(#[serde(deserialize_with = "wire::name")] wire::Name),
    #[error("the {field} is too long (at most {max} characters)")]
    TooLong {
        #[serde(deserialize_with = "wire::name")]
        field: wire::Name,
        max: usize,
    },
    #[error("the {0} contains control characters; type it again without them")]
    ControlChars(#[serde(deserialize_with = "wire::name")] wire::Name),
    #[error(
        "the {field} contains {code} ({name}), an invisible character that changes how it reads; type it again without it"
    )]
    HiddenChar {
        #[serde(deserialize_with = "wire::name")]
        field: wire::Name,
        code: String,
        #[serde(deserialize_with = "wire::name")]
        name: wire::Name,
    },
}

/// Invisible formatting characters (Unicode's Cf, and the line and paragraph separators)
/// that a name must not carry: bidi embeddings, overrides, isolates and marks, zero-width
/// spaces, the byte-order mark, tag characters. Zero-width (non-)joiners (U+200C, U+200D)
/// are kept: Persian and Indic names need them.
pub fn is_hidden_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}'
        | '\u{0890}'..='\u{0891}' | '\u{08E2}' | '\u{180E}' | '\u{200B}' | '\u{200E}'
        | '\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}'
        | '\u{110CD}' | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
}

fn hidden_name(c: char) -> &'static str {
    match c {
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{061C}' => "ARABIC LETTER MARK",
        '\u{2060}' => "WORD JOINER",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE, the byte-order mark",
        '\u{00AD}' => "SOFT HYPHEN",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{E0001}' | '\u{E0020}'..='\u{E007F}' => "a tag character",
        _ => "an invisible formatting character",
    }
}

/// Checks a free-text field a clerk typed: required, length-limited, no control characters
/// and no invisible formatting characters (named in the refusal).
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
    if let Some(c) = v.chars().find(|&c| is_hidden_format(c)) {
        return Err(DomainError::HiddenChar {
            field,
            code: format!("U+{:04X}", c as u32),
            name: hidden_name(c),
        });
    }
    if v.chars().count() > max {
        return Err(DomainError::TooLong { field, max });
    }
    Ok(Some(v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_refused_by_name_and_joiners_kept() {
        for (c, code) in [
            ('\u{202A}', "U+202A"),
            ('\u{202E}', "U+202E"),
            ('\u{2066}', "U+2066"),
            ('\u{2069}', "U+2069"),
            ('\u{200B}', "U+200B"),
            ('\u{FEFF}', "U+FEFF"),
        ] {
            let e = clean_text("family name", &format!("Sm{c}ith"), 80, true).unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains(code) && msg.contains("family name"), "{msg}");
        }
        assert!(
            clean_text("family name", "\u{202E}", 80, true)
                .unwrap_err()
                .to_string()
                .contains("RIGHT-TO-LEFT OVERRIDE")
        );
        for ok in ["مهر\u{200C}آرا", "क\u{094D}\u{200D}ष", "Nguyễn"] {
            assert_eq!(
                clean_text("given name", ok, 80, true).unwrap().as_deref(),
                Some(ok)
            );
        }
    }
}
