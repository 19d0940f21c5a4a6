//! Reading what a clerk typed into the search box: names, dates, MRNs, phones, SSN last 4.

use chrono::NaiveDate;

use crate::domain::date_typed::{
    looks_like_date, looks_like_named_date, read_numeric, read_with_month_name,
};
use crate::domain::{DateQuery, parse_date_query};

use super::fold::fold;

/// At most this many words of a query are used; the rest is ignored (a pasted page of text
/// must not cost a second of work).
pub const MAX_TERMS: usize = 8;
/// Longer words are no name, date or number a clerk types, so they are dropped. A name field
/// takes 80 characters, so a one-word name of 80 letters is still searched for.
pub const MAX_WORD: usize = 80;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A folded name word: prefix, exact or typo match against every name the patient has had.
    Name(String),
    /// A date of birth, whole or partial.
    Date(DateQuery),
    /// Letters and digits: an MRN, exact or its beginning.
    Mrn(String),
    /// Only digits: an MRN beginning, and by length also SSN last 4, a birth year,
    /// a phone number or its beginning (6 to 10 digits), or an HL7 date (YYYYMMDD).
    Digits(String),
    /// A phone number typed with separators, as 10 (or the last 7) digits, or the
    /// beginning of one (6 to 9 digits: area code and exchange, then more).
    Phone(String),
    /// A full SSN typed as ddd-dd-dddd: matched on its last four digits.
    SsnLast4(String),
}

/// Splits a query into terms. Control characters are removed first; never fails.
/// Two-digit years in dates are read against today's date (see `domain::date_typed`).
pub fn parse(query: &str) -> Vec<Term> {
    parse_on(query, chrono::Local::now().date_naive())
}

/// As [`parse`], with the day two-digit years are read against.
pub fn parse_on(query: &str, today: NaiveDate) -> Vec<Term> {
    let words = words(query);
    let mut terms = Vec::new();
    let mut i = 0;
    while i < words.len() && terms.len() < MAX_TERMS {
        if let Some((d, used)) = read_with_month_name(&words[i..], today) {
            terms.push(Term::Date(DateQuery::Day(d)));
            i += used;
            continue;
        }
        classify(words[i], today, &mut terms);
        i += 1;
    }
    terms.truncate(MAX_TERMS);
    terms
}

/// The words of a query that were meant as a date but are none ("02/30/1970",
/// "Feb 30 1970"), so a search that found nothing can say which word it could not read.
pub fn unread_dates(query: &str) -> Vec<String> {
    let today = chrono::Local::now().date_naive();
    let words = words(query);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if let Some((_, used)) = read_with_month_name(&words[i..], today) {
            i += used;
            continue;
        }
        if looks_like_named_date(&words[i..]) {
            out.push(words[i..i + 3].join(" "));
            i += 3;
            continue;
        }
        let w = words[i];
        if looks_like_date(w) && parse_date_query(w).is_none() && read_numeric(w, today).is_none() {
            out.push(w.to_string());
        }
        i += 1;
    }
    out
}

/// The words of a query, control characters taken out, over-long words dropped.
fn words(query: &str) -> Vec<&str> {
    query
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty() && w.chars().count() <= MAX_WORD)
        .take(MAX_TERMS * 3)
        .collect()
}

fn classify(word: &str, today: NaiveDate, out: &mut Vec<Term>) {
    let has_digit = word.bytes().any(|b| b.is_ascii_digit());
    if !has_digit {
        out.extend(
            fold(word)
                .split_whitespace()
                .map(|w| Term::Name(w.to_string())),
        );
        return;
    }
    let digits: String = word.chars().filter(|c| c.is_ascii_digit()).collect();
    let all_digits = digits.len() == word.len();
    if all_digits {
        out.push(Term::Digits(digits));
        return;
    }
    if let Some(d) = parse_date_query(word) {
        out.push(Term::Date(d));
        return;
    }
    if let Some(d) = read_numeric(word, today) {
        out.push(Term::Date(DateQuery::Day(d)));
        return;
    }
    let b = word.as_bytes();
    if b.len() == 11 && b[3] == b'-' && b[6] == b'-' && digits.len() == 9 {
        out.push(Term::SsnLast4(digits[5..].to_string()));
        return;
    }
    let phone_chars = word
        .chars()
        .all(|c| c.is_ascii_digit() || "-().+ ".contains(c));
    if phone_chars && (6..=11).contains(&digits.len()) {
        let d = if digits.len() == 11 {
            &digits[1..]
        } else {
            &digits[..]
        };
        out.push(Term::Phone(d.to_string()));
        return;
    }
    if word.bytes().all(|b| b.is_ascii_alphanumeric()) {
        out.push(Term::Mrn(word.to_ascii_uppercase()));
        return;
    }
    // Anything else: keep what folds to letters and digits.
    for w in fold(word).split_whitespace() {
        if w.bytes().any(|b| b.is_ascii_digit()) {
            out.push(Term::Mrn(w.to_ascii_uppercase()));
        } else {
            out.push(Term::Name(w.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_query() {
        let t = parse("Jonh  Smtih 03/14/1970");
        assert_eq!(t[0], Term::Name("jonh".into()));
        assert_eq!(t[1], Term::Name("smtih".into()));
        assert!(matches!(t[2], Term::Date(DateQuery::Day(_))));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse("1004"), vec![Term::Digits("1004".into())]);
        assert_eq!(parse("900-12-3456"), vec![Term::SsnLast4("3456".into())]);
        assert_eq!(parse("(555) 201-3344").len(), 2);
        assert_eq!(
            parse("555-201-3344"),
            vec![Term::Phone("5552013344".into())]
        );
        assert_eq!(parse("555-201-33"), vec![Term::Phone("55520133".into())]);
        assert_eq!(parse("(555)201-3"), vec![Term::Phone("5552013".into())]);
        assert_eq!(parse("ab12"), vec![Term::Mrn("AB12".into())]);
        assert!(matches!(
            parse("1970-03")[0],
            Term::Date(DateQuery::Month { .. })
        ));
    }

    #[test]
    fn dates_as_clerks_type_them() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let want = Term::Date(DateQuery::Day(
            NaiveDate::from_ymd_opt(1970, 3, 14).unwrap(),
        ));
        for q in [
            "03-14-1970",
            "3/14/70",
            "1970/03/14",
            "14 Mar 1970",
            "mar 14 1970",
            "March 14, 1970",
            "14.03.1970",
            "14-Mar-1970",
        ] {
            assert_eq!(parse_on(q, today), vec![want.clone()], "{q}");
            assert_eq!(
                parse_on(&format!("smith {q} jo"), today),
                vec![
                    Term::Name("smith".into()),
                    want.clone(),
                    Term::Name("jo".into())
                ],
                "{q}"
            );
        }
        // A month that is also a given name stays a name without a day and a year.
        assert_eq!(parse_on("may smith", today)[0], Term::Name("may".into()));
        assert_eq!(
            parse_on("june 1984", today),
            vec![Term::Name("june".into()), Term::Digits("1984".into())]
        );
    }

    #[test]
    fn dates_that_cannot_be_read_are_named() {
        assert_eq!(unread_dates("smith 02/30/1970"), vec!["02/30/1970"]);
        assert_eq!(unread_dates("feb 30 1970 smith"), vec!["feb 30 1970"]);
        assert_eq!(unread_dates("31.02.1970"), vec!["31.02.1970"]);
        assert!(unread_dates("smith 03/14/1970 555-1234").is_empty());
        assert!(unread_dates("march 14, 1970").is_empty());
    }

    #[test]
    fn hostile_queries() {
        assert!(parse("").is_empty());
        assert!(parse("   \t ").is_empty());
        assert_eq!(parse(&"a".repeat(10_000)), vec![]);
        assert!(parse(&"ab ".repeat(5_000)).len() <= MAX_TERMS);
        assert_eq!(parse("\u{1b}[31msmith\u{7}").len(), 1);
    }
}
