//! Reading what a clerk typed into the search box: names, dates, MRNs, phones, SSN last 4.

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
pub fn parse(query: &str) -> Vec<Term> {
    let clean: String = query
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut terms = Vec::new();
    for word in clean.split_whitespace() {
        if terms.len() >= MAX_TERMS {
            break;
        }
        if word.chars().count() > MAX_WORD {
            continue;
        }
        classify(word, &mut terms);
    }
    terms.truncate(MAX_TERMS);
    terms
}

fn classify(word: &str, out: &mut Vec<Term>) {
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
    fn hostile_queries() {
        assert!(parse("").is_empty());
        assert!(parse("   \t ").is_empty());
        assert_eq!(parse(&"a".repeat(10_000)), vec![]);
        assert!(parse(&"ab ".repeat(5_000)).len() <= MAX_TERMS);
        assert_eq!(parse("\u{1b}[31msmith\u{7}").len(), 1);
    }
}
