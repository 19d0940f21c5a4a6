//! Dates of birth as clerks type them into search: `03-14-1970`, `3/14/70`, `1970/03/14`,
//! `14.03.1970` (day first, as most of the world writes it), `14 Mar 1970`, `mar 14 1970`,
//! `March 14, 1970`, `14-Mar-1970`.
//!
//! Two-digit years follow one pivot: the year is this century's unless that date would be in
//! the future, then it is the previous century's (a date of birth is never in the future).
//! This is for search only: entry (`patient add`, registration, imports) needs four-digit
//! years, since "3/14/24" for a 102-year-old would register an infant.

use chrono::{Datelike, NaiveDate};

/// The forms search accepts, for help and for the message when a date could not be read.
pub const ACCEPTED_FORMS: &str = "1970-03-14, 03/14/1970, 3/14/70, 03-14-1970, 1970/03/14, \
     19700314, 14 Mar 1970, March 14, 1970, 14.03.1970 (day first), 03/1970, 1970";

/// A one-word numeric date that `parse_date` does not take: `M-D-YYYY`, `YYYY/M/D`,
/// `D.M.YYYY`, and `M/D/YY`, `M-D-YY`, `D.M.YY` with the two-digit-year pivot.
pub fn read_numeric(word: &str, today: NaiveDate) -> Option<NaiveDate> {
    let t = word.trim().trim_end_matches([',', ';']);
    let sep = [b'/', b'-', b'.']
        .into_iter()
        .find(|s| t.as_bytes().contains(s))?;
    let parts: Vec<&str> = t.split(sep as char).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n = |i: usize| parts[i].parse::<u32>().ok();
    let (l0, l2) = (parts[0].len(), parts[2].len());
    if l0 == 4 {
        // Year first: 1970/03/14 (1970-03-14 is parse_date's).
        if parts[1].len() > 2 || l2 > 2 {
            return None;
        }
        return NaiveDate::from_ymd_opt(n(0)? as i32, n(1)?, n(2)?).filter(|d| plausible(*d));
    }
    if l0 > 2 || parts[1].len() > 2 || !(l2 == 2 || l2 == 4) {
        return None;
    }
    let (month, day) = if sep == b'.' {
        (n(1)?, n(0)?)
    } else {
        (n(0)?, n(1)?)
    };
    full_date(n(2)? as i32, l2, month, day, today)
}

/// A date written with a month's name over the first words of `words` (`14 Mar 1970`,
/// `mar 14 1970`, `March 14, 1970`, or one word `14-Mar-1970`); with how many words it took.
pub fn read_with_month_name(words: &[&str], today: NaiveDate) -> Option<(NaiveDate, usize)> {
    if let Some(first) = words.first()
        && first.bytes().any(|b| b.is_ascii_alphabetic())
        && first.bytes().any(|b| b.is_ascii_digit())
    {
        let parts: Vec<&str> = first.split(['-', '/']).collect();
        if parts.len() == 3
            && let Some((d, 3)) = read_with_month_name(&parts, today)
        {
            return Some((d, 1));
        }
    }
    let (month, day, y) = named_shape(words)?;
    if !(y.len() == 2 || y.len() == 4) {
        return None;
    }
    let d = full_date(y.parse().ok()?, y.len(), month, day_number(day)?, today)?;
    Some((d, 3))
}

/// Whether the first three words are shaped like a date with a month's name (a month name and
/// two numbers), whether or not that date exists: "Feb 30 1970" is one.
pub fn looks_like_named_date(words: &[&str]) -> bool {
    named_shape(words).is_some()
}

/// The first three words as (month, day word, year word) when they are one month name and two
/// numbers, the day before or after the month; by shape only.
fn named_shape<'a>(words: &[&'a str]) -> Option<(u32, &'a str, &'a str)> {
    if words.len() < 3 {
        return None;
    }
    let w: Vec<&str> = words[..3]
        .iter()
        .map(|w| w.trim_end_matches([',', '.']))
        .collect();
    let (month, day) = match (month_number(w[0]), month_number(w[1])) {
        (Some(m), None) => (m, w[1]),
        (None, Some(m)) => (m, w[0]),
        _ => return None,
    };
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (numeric(strip_ordinal(day)) && numeric(w[2])).then_some((month, day, w[2]))
}

/// Whether a word was meant as a date (digits in two or three groups split by `/`, `.` or a
/// month name among digits) — used to say which word could not be read when nothing matched.
pub fn looks_like_date(word: &str) -> bool {
    let t = word.trim_end_matches([',', ';']);
    if t.is_empty() || !t.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    if t.contains('/') || t.contains('.') {
        return t
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'/' || b == b'.');
    }
    // Dashes are also phone numbers (555-1234) and SSNs (900-12-3456): only the date shapes.
    let parts: Vec<&str> = t.split('-').collect();
    if parts.len() == 3 {
        let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        let digits = parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
        let month_named = parts.iter().any(|p| month_number(p).is_some());
        return (digits
            && ((lens[0] <= 2 && lens[1] <= 2 && (lens[2] == 2 || lens[2] == 4))
                || (lens[0] == 4 && lens[1] <= 2 && lens[2] <= 2)))
            || month_named;
    }
    false
}

/// The month a name or its abbreviation stands for (`mar`, `March`, `Sept.`).
pub fn month_number(word: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    if w.len() < 3 || !w.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    if w == "sept" {
        return Some(9);
    }
    NAMES
        .iter()
        .position(|n| *n == w || (w.len() == 3 && n.starts_with(&w)))
        .map(|i| i as u32 + 1)
}

fn day_number(w: &str) -> Option<u32> {
    let w = strip_ordinal(w);
    if w.is_empty() || w.len() > 2 || !w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    w.parse().ok().filter(|d| (1..=31).contains(d))
}

/// "3rd" → "3", "14th" → "14".
fn strip_ordinal(w: &str) -> &str {
    w.trim_end_matches("st")
        .trim_end_matches("nd")
        .trim_end_matches("rd")
        .trim_end_matches("th")
}

/// A year of `len` digits made whole by the pivot, then the date, if it exists.
fn full_date(year: i32, len: usize, month: u32, day: u32, today: NaiveDate) -> Option<NaiveDate> {
    if len == 4 {
        return NaiveDate::from_ymd_opt(year, month, day).filter(|d| plausible(*d));
    }
    let century = today.year() / 100 * 100;
    match NaiveDate::from_ymd_opt(century + year, month, day) {
        Some(d) if d <= today => Some(d),
        _ => NaiveDate::from_ymd_opt(century - 100 + year, month, day),
    }
}

fn plausible(d: NaiveDate) -> bool {
    (1850..=2200).contains(&d.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }
    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn numeric_forms() {
        let t = today();
        let want = ymd(1970, 3, 14);
        for w in [
            "03-14-1970",
            "3-14-1970",
            "3/14/70",
            "03/14/70",
            "1970/03/14",
        ] {
            assert_eq!(read_numeric(w, t), Some(want), "{w}");
        }
        assert_eq!(read_numeric("14.03.1970", t), Some(want));
        assert_eq!(read_numeric("14.3.70", t), Some(want));
        assert_eq!(read_numeric("02/30/1970", t), None);
        assert_eq!(read_numeric("13/14/1970", t), None);
        assert_eq!(read_numeric("555-201-3344", t), None);
        assert_eq!(read_numeric("1/2/3", t), None);
    }

    #[test]
    fn the_pivot_never_gives_a_future_birth_date() {
        let t = today();
        assert_eq!(read_numeric("3/14/24", t), Some(ymd(2024, 3, 14)));
        assert_eq!(read_numeric("12/02/26", t), Some(ymd(2026, 12, 2)));
        assert_eq!(read_numeric("12/03/26", t), Some(ymd(1926, 12, 3)));
        assert_eq!(read_numeric("1/1/99", t), Some(ymd(1999, 1, 1)));
    }

    #[test]
    fn month_names() {
        let t = today();
        let want = Some((ymd(1970, 3, 14), 3));
        assert_eq!(read_with_month_name(&["14", "Mar", "1970"], t), want);
        assert_eq!(read_with_month_name(&["mar", "14", "1970"], t), want);
        assert_eq!(read_with_month_name(&["March", "14,", "1970"], t), want);
        assert_eq!(
            read_with_month_name(&["Sept.", "3rd", "1970"], t)
                .unwrap()
                .0
                .month(),
            9
        );
        assert_eq!(
            read_with_month_name(&["14-Mar-1970", "smith"], t),
            Some((ymd(1970, 3, 14), 1))
        );
        assert_eq!(read_with_month_name(&["feb", "30", "1970"], t), None);
        assert_eq!(read_with_month_name(&["may", "smith", "1970"], t), None);
        assert_eq!(read_with_month_name(&["mark", "14", "1970"], t), None);
    }

    #[test]
    fn what_looks_like_a_date() {
        for w in [
            "02/30/1970",
            "31.02.1970",
            "13-45-1970",
            "30-Feb-1970",
            "3/14/70,",
        ] {
            assert!(looks_like_date(w), "{w}");
        }
        for w in [
            "555-1234",
            "900-12-3456",
            "smith",
            "1970",
            "555-201-3344",
            "ab12",
        ] {
            assert!(!looks_like_date(w), "{w}");
        }
    }
}
