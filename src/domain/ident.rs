//! Identifiers: MRN, administrative sex, SSN, phone.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// A medical record number: 1–20 ASCII letters or digits, stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Mrn(String);

impl Mrn {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        if t.is_empty() || t.len() > 20 || !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
            let shown: String = t.chars().filter(|c| !c.is_control()).take(24).collect();
            return Err(DomainError::BadMrn(shown));
        }
        Ok(Mrn(t.to_ascii_uppercase()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Mrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Administrative sex, HL7 v2 table 0001.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    #[serde(rename = "F")]
    Female,
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "O")]
    Other,
    #[serde(rename = "U")]
    Unknown,
    #[serde(rename = "A")]
    Ambiguous,
    #[serde(rename = "N")]
    NotApplicable,
}

impl Sex {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Ok(match s.trim().to_ascii_uppercase().as_str() {
            "F" | "FEMALE" => Sex::Female,
            "M" | "MALE" => Sex::Male,
            "O" | "OTHER" => Sex::Other,
            "U" | "UNKNOWN" => Sex::Unknown,
            "A" | "AMBIGUOUS" => Sex::Ambiguous,
            "N" | "NOT APPLICABLE" => Sex::NotApplicable,
            other => {
                let shown: String = other.chars().filter(|c| !c.is_control()).take(16).collect();
                return Err(DomainError::BadSex(shown));
            }
        })
    }
    /// The HL7 code letter, as stored.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Other => "O",
            Sex::Unknown => "U",
            Sex::Ambiguous => "A",
            Sex::NotApplicable => "N",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A Social Security number. Stored whole (9 digits); shown only as the last four
/// unless the user holds the reveal permission. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Ssn(String);

impl Ssn {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
        let others = s
            .chars()
            .any(|c| !(c.is_ascii_digit() || c == '-' || c == ' '));
        if digits.len() != 9 || others {
            return Err(DomainError::BadSsn);
        }
        Ok(Ssn(digits))
    }
    pub fn digits(&self) -> &str {
        &self.0
    }
    pub fn last4(&self) -> &str {
        &self.0[5..]
    }
    /// `***-**-1234`
    pub fn masked(&self) -> String {
        format!("***-**-{}", self.last4())
    }
    /// `123-45-6789`; only for users allowed to reveal it.
    pub fn formatted(&self) -> String {
        format!("{}-{}-{}", &self.0[..3], &self.0[3..5], &self.0[5..])
    }
    /// Placeholder numbers registration clerks type when the patient has none.
    pub fn is_placeholder(&self) -> bool {
        matches!(self.0.as_str(), "999999999" | "000000000" | "123456789")
    }
}

impl fmt::Debug for Ssn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ssn({})", self.masked())
    }
}

/// A North American phone number, stored as 10 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let mut digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
        let others = s
            .chars()
            .any(|c| !(c.is_ascii_digit() || " -().+".contains(c)));
        if digits.len() == 11 && digits.starts_with('1') {
            digits.remove(0);
        }
        if digits.len() != 10 || others {
            let shown: String = s.chars().filter(|c| !c.is_control()).take(24).collect();
            return Err(DomainError::BadPhone(shown));
        }
        Ok(Phone(digits))
    }
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}) {}-{}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrn_rules() {
        assert_eq!(Mrn::parse(" 10004217 ").unwrap().as_str(), "10004217");
        assert_eq!(Mrn::parse("ab12").unwrap().as_str(), "AB12");
        assert!(Mrn::parse("").is_err());
        assert!(Mrn::parse("12 34").is_err());
        assert!(Mrn::parse(&"1".repeat(21)).is_err());
    }

    #[test]
    fn ssn_is_masked_in_debug() {
        let s = Ssn::parse("900-12-3456").unwrap();
        assert_eq!(s.last4(), "3456");
        assert_eq!(format!("{s:?}"), "Ssn(***-**-3456)");
        assert!(Ssn::parse("90012345").is_err());
        assert!(Ssn::parse("900-12-345x").is_err());
    }

    #[test]
    fn sex_table_0001() {
        assert_eq!(Sex::parse("f").unwrap(), Sex::Female);
        assert_eq!(Sex::parse("U").unwrap(), Sex::Unknown);
        assert!(Sex::parse("X").is_err());
    }

    #[test]
    fn phones() {
        assert_eq!(
            Phone::parse("(555) 201-3344").unwrap().digits(),
            "5552013344"
        );
        assert_eq!(
            Phone::parse("+1 555 201 3344").unwrap().digits(),
            "5552013344"
        );
        assert!(Phone::parse("201-3344").is_err());
    }
}
