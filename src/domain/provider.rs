//! Providers: the physicians and other clinicians who attend encounters and author documents.

use serde::Serialize;

use super::{DomainError, Text};

/// A National Provider Identifier: 10 digits whose last is a Luhn check digit computed over
/// the prefix 80840 and the first nine (CMS, "NPI check digit").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Npi(String);

impl Npi {
    pub fn parse(s: &str) -> Result<Npi, DomainError> {
        let d: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if d.len() != 10 || !d.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::BadNpi(s.trim().chars().take(20).collect()));
        }
        if check_digit(&d[..9]) != d.as_bytes()[9] - b'0' {
            return Err(DomainError::BadNpi(s.trim().chars().take(20).collect()));
        }
        Ok(Npi(d))
    }

    /// The NPI whose first nine digits are `base` (a 9-digit number), check digit appended.
    pub fn with_check_digit(base: u32) -> Npi {
        let b = format!("{:09}", base % 1_000_000_000);
        let c = check_digit(&b);
        Npi(format!("{b}{c}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Luhn over "80840" + the nine digits.
fn check_digit(nine: &str) -> u8 {
    let digits: Vec<u8> = "80840"
        .bytes()
        .chain(nine.bytes())
        .map(|b| b - b'0')
        .collect();
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(*d);
        if i % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    ((10 - sum % 10) % 10) as u8
}

/// A provider as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Provider {
    pub id: i64,
    pub name: Text,
    pub npi: Option<Text>,
    pub service: Option<Text>,
    pub active: bool,
    pub letter_address: Option<Text>,
    /// The chartroom user who is this provider (they sign as the author).
    pub user_id: Option<i64>,
    pub version: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npi_check_digit() {
        // The example from the CMS NPI check-digit paper: 123456789 → 3.
        assert_eq!(Npi::with_check_digit(123_456_789).as_str(), "1234567893");
        assert!(Npi::parse("1234567893").is_ok());
        assert!(Npi::parse("123-456-7893").is_ok());
        assert!(Npi::parse("1234567890").is_err());
        assert!(Npi::parse("12345").is_err());
    }
}
