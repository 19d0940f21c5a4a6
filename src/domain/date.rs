//! Dates as records clerks and HL7 feeds write them.

use chrono::{Datelike, NaiveDate};

use super::DomainError;

/// Parses a full date: `YYYY-MM-DD`, `MM/DD/YYYY` (or `M/D/YYYY`) and `YYYYMMDD` (HL7 v2 DT).
pub fn parse_date(s: &str) -> Result<NaiveDate, DomainError> {
    let t = s.trim();
    let bad = || DomainError::BadDate(shorten(t));
    // Digits and the separators of the three forms only: chrono would read "1970- 1- 1"
    // (spaces as padding) as a date.
    if !t
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'-' || b == b'/')
    {
        return Err(bad());
    }
    let d = if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        NaiveDate::parse_from_str(t, "%Y%m%d").map_err(|_| bad())?
    } else if t.contains('/') {
        let parts: Vec<&str> = t.split('/').collect();
        if parts.len() != 3
            || parts[2].len() != 4
            || parts[..2].iter().any(|p| p.is_empty() || p.len() > 2)
        {
            return Err(bad());
        }
        NaiveDate::parse_from_str(t, "%m/%d/%Y").map_err(|_| bad())?
    } else if t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        })
    {
        NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| bad())?
    } else {
        return Err(bad());
    };
    if d.year() < 1850 {
        return Err(bad());
    }
    Ok(d)
}

/// A date typed into patient search: a whole date, a month, or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateQuery {
    Day(NaiveDate),
    Month { year: i32, month: u32 },
    Year(i32),
}

impl DateQuery {
    /// The inclusive range of ISO dates (`YYYY-MM-DD`) this query covers.
    pub fn iso_range(&self) -> (String, String) {
        match *self {
            DateQuery::Day(d) => {
                let s = d.format("%Y-%m-%d").to_string();
                (s.clone(), s)
            }
            DateQuery::Month { year, month } => (
                format!("{year:04}-{month:02}-01"),
                format!("{year:04}-{month:02}-31"),
            ),
            DateQuery::Year(y) => (format!("{y:04}-01-01"), format!("{y:04}-12-31")),
        }
    }
}

/// Parses a search token that looks like a date or part of one:
/// `1970`, `03/1970`, `1970-03`, and every full format `parse_date` takes.
pub fn parse_date_query(s: &str) -> Option<DateQuery> {
    let t = s.trim();
    if let Ok(d) = parse_date(t) {
        return Some(DateQuery::Day(d));
    }
    let year_ok = |y: i32| (1850..=2200).contains(&y);
    if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        let y: i32 = t.parse().ok()?;
        return year_ok(y).then_some(DateQuery::Year(y));
    }
    let (m, y) = if let Some((m, y)) = t.split_once('/') {
        (m, y)
    } else if let Some((y, m)) = t.split_once('-') {
        (m, y)
    } else {
        return None;
    };
    if y.len() != 4 || m.is_empty() || m.len() > 2 {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    let month: u32 = m.parse().ok()?;
    (year_ok(year) && (1..=12).contains(&month)).then_some(DateQuery::Month { year, month })
}

/// Whole years between `dob` and `on`.
pub fn age_on(dob: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - dob.year();
    if (on.month(), on.day()) < (dob.month(), dob.day()) {
        age -= 1;
    }
    age.max(0)
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(24).collect();
    if s.chars().count() > 24 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_three_formats() {
        let d = NaiveDate::from_ymd_opt(1970, 3, 14).unwrap();
        assert_eq!(parse_date("1970-03-14").unwrap(), d);
        assert_eq!(parse_date("03/14/1970").unwrap(), d);
        assert_eq!(parse_date("3/14/1970").unwrap(), d);
        assert_eq!(parse_date("19700314").unwrap(), d);
    }

    #[test]
    fn invalid_dates_are_refused() {
        for s in [
            "1970-02-30",
            "13/01/1970",
            "19701301",
            "tomorrow",
            "",
            "1970",
            "02/30/1970",
            "1970- 1- 1",
            "1970-1-1",
            "1970--1-01",
            " 3/ 4/1970",
            "3/4/+970",
            "+1970-01-01",
        ] {
            assert!(parse_date(s).is_err(), "{s}");
        }
    }

    #[test]
    fn partial_dates() {
        assert_eq!(parse_date_query("1970"), Some(DateQuery::Year(1970)));
        assert_eq!(
            parse_date_query("03/1970"),
            Some(DateQuery::Month {
                year: 1970,
                month: 3
            })
        );
        assert_eq!(
            parse_date_query("1970-03"),
            Some(DateQuery::Month {
                year: 1970,
                month: 3
            })
        );
        assert_eq!(parse_date_query("5555"), None);
        assert_eq!(parse_date_query("13/1970"), None);
    }

    #[test]
    fn ages() {
        let dob = NaiveDate::from_ymd_opt(1970, 3, 14).unwrap();
        assert_eq!(
            age_on(dob, NaiveDate::from_ymd_opt(2026, 3, 13).unwrap()),
            55
        );
        assert_eq!(
            age_on(dob, NaiveDate::from_ymd_opt(2026, 3, 14).unwrap()),
            56
        );
    }
}
