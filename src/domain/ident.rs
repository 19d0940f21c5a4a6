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

/// What a typed SSN turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsnEntry {
    Known(Ssn),
    /// A placeholder registration feeds send to mean "no SSN known" (as typed, formatted):
    /// stored as no SSN with a note, so it never matches another patient.
    Unknown(&'static str),
}

/// Numbers that stand for "unknown": all zeros and all nines (what feeds send), and the
/// sample number printed on wallet inserts (never anyone's).
const PLACEHOLDERS: [(&str, &str); 3] = [
    ("000000000", "000-00-0000"),
    ("999999999", "999-99-9999"),
    ("123456789", "123-45-6789"),
];

impl Ssn {
    /// Reads an SSN typed by a clerk or sent by a feed: `123-45-6789`, `123 45 6789` or nine
    /// digits, and never one the SSA has never issued (area 000 or 666, group 00, serial
    /// 0000). The 9xx area is kept (never issued as an SSN either, but used for ITINs and by
    /// the demo's made-up patients). A placeholder is [`SsnEntry::Unknown`].
    pub fn entry(s: &str) -> Result<SsnEntry, DomainError> {
        let t = s.trim();
        let b = t.as_bytes();
        let grouped = |sep: u8| {
            b.len() == 11
                && b[3] == sep
                && b[6] == sep
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| i == 3 || i == 6 || c.is_ascii_digit())
        };
        let digits: String = if b.len() == 9 && b.iter().all(u8::is_ascii_digit) {
            t.to_string()
        } else if grouped(b'-') || grouped(b' ') {
            t.chars().filter(char::is_ascii_digit).collect()
        } else {
            return Err(DomainError::BadSsn);
        };
        if let Some((_, shown)) = PLACEHOLDERS.iter().find(|(d, _)| *d == digits) {
            return Ok(SsnEntry::Unknown(shown));
        }
        let why = match (&digits[..3], &digits[3..5], &digits[5..]) {
            ("000", _, _) => Some("no SSN has the area number 000"),
            ("666", _, _) => Some("no SSN has the area number 666"),
            (_, "00", _) => Some("no SSN has the group number 00"),
            (_, _, "0000") => Some("no SSN has the serial number 0000"),
            _ => None,
        };
        match why {
            Some(w) => Err(DomainError::NeverIssuedSsn(w)),
            None => Ok(SsnEntry::Known(Ssn(digits))),
        }
    }

    /// Reads a typed SSN that must be a real number (not a placeholder).
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match Self::entry(s)? {
            SsnEntry::Known(n) => Ok(n),
            SsnEntry::Unknown(_) => Err(DomainError::NeverIssuedSsn(
                "it is a placeholder that means \"unknown\"",
            )),
        }
    }

    /// An SSN as the store holds it (nine digits), whatever rules applied when it was entered.
    pub fn from_stored(s: &str) -> Option<Self> {
        (s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit())).then(|| Ssn(s.to_string()))
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
    /// Placeholder numbers (in a store written before they were refused at entry).
    pub fn is_placeholder(&self) -> bool {
        PLACEHOLDERS.iter().any(|(d, _)| *d == self.0)
    }
}

impl fmt::Debug for Ssn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ssn({})", self.masked())
    }
}

/// A phone number: a North American one stored as its 10 digits, or an international one
/// in E.164 form (`+` and 8 to 15 digits, country code first).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// Reads a typed number. North American numbers (10 digits, or 11 with the leading 1)
    /// need an area code and an exchange that start with 2–9 (NANP); other countries' numbers
    /// are written `+` country code and number.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        let shown = || {
            let v: String = t.chars().filter(|c| !c.is_control()).take(24).collect();
            DomainError::BadPhone(v)
        };
        let plus = t.starts_with('+');
        let body = if plus { &t[1..] } else { t };
        if body.is_empty()
            || !body
                .chars()
                .all(|c| c.is_ascii_digit() || " -().".contains(c))
        {
            return Err(shown());
        }
        let digits: String = body.chars().filter(char::is_ascii_digit).collect();
        let nanp = match (plus, digits.len()) {
            (_, 11) if digits.starts_with('1') => Some(&digits[1..]),
            (false, 10) => Some(&digits[..]),
            (true, _) if digits.starts_with('1') => return Err(shown()),
            _ => None,
        };
        if let Some(d) = nanp {
            let b = d.as_bytes();
            if !(b'2'..=b'9').contains(&b[0]) || !(b'2'..=b'9').contains(&b[3]) {
                return Err(shown());
            }
            return Ok(Phone(d.to_string()));
        }
        if plus && (8..=15).contains(&digits.len()) && !digits.starts_with('0') {
            return Ok(Phone(format!("+{digits}")));
        }
        Err(shown())
    }

    /// A number as the store holds it, whatever rules applied when it was entered.
    pub fn from_stored(s: &str) -> Option<Self> {
        let ok = (s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()))
            || (s.starts_with('+')
                && (8..=16).contains(&s.len())
                && s[1..].bytes().all(|b| b.is_ascii_digit()));
        ok.then(|| Phone(s.to_string()))
    }

    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.starts_with('+') {
            return f.write_str(&self.0);
        }
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
    fn never_issued_ssns_are_refused_and_placeholders_mean_unknown() {
        for bad in ["666-12-3456", "123-00-4567", "123-45-0000", "000-12-3456"] {
            assert!(
                matches!(Ssn::entry(bad), Err(DomainError::NeverIssuedSsn(_))),
                "{bad}"
            );
        }
        for bad in [
            "1-2-3-4-5-6-7-8-9",
            "12-345-6789",
            "123-45-678",
            "123 45-6789",
            "12345678a",
        ] {
            assert_eq!(Ssn::entry(bad), Err(DomainError::BadSsn), "{bad}");
        }
        assert_eq!(
            Ssn::entry("000-00-0000"),
            Ok(SsnEntry::Unknown("000-00-0000"))
        );
        assert_eq!(
            Ssn::entry("999999999"),
            Ok(SsnEntry::Unknown("999-99-9999"))
        );
        assert!(Ssn::parse("999-99-9999").is_err());
        assert_eq!(Ssn::parse("900-12-3456").unwrap().digits(), "900123456");
        assert_eq!(Ssn::parse("123 45 6789x").ok(), None);
        assert!(Ssn::parse("987 65 4321").is_ok(), "9xx is kept");
        assert!(
            Ssn::from_stored("900001234").is_some(),
            "stored numbers are read as they are"
        );
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
        for bad in [
            "000-000-0000",
            "155-201-3344",
            "555-101-3344",
            "+1 155 201 3344",
            "+0 123456789",
            "+44",
            "555-201-3344 x12",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
        let uk = Phone::parse("+44 20 7946 0958").unwrap();
        assert_eq!(uk.digits(), "+442079460958");
        assert_eq!(uk.to_string(), "+442079460958");
        assert_eq!(Phone::from_stored("+442079460958"), Some(uk));
        assert_eq!(
            Phone::from_stored("0000000000").map(|p| p.digits().len()),
            Some(10)
        );
    }
}
