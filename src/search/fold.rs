//! Folding names into search tokens: transliterate (Nguyễn → nguyen, Đặng → dang,
//! Sørensen → sorensen, Strauß → strauss), lower-case, drop apostrophes, split on the rest.

/// Folds one string to lower-case ASCII letters and digits, other characters becoming spaces.
/// Apostrophes vanish so that O'Brien, O’Brien and OBrien fold alike.
pub fn fold(s: &str) -> String {
    let ascii = if s.is_ascii() {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(deunicode::deunicode(s))
    };
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        match c {
            '\'' | '`' => {}
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            _ => out.push(' '),
        }
    }
    out
}

/// The search tokens of one name field: each piece, plus the pieces run together when a
/// name has several ("de la Cruz" → de, la, cruz, delacruz; "Smith-Jones" → smith, jones,
/// smithjones), so a clerk finds the patient however the name was keyed.
pub fn name_tokens_into(field: &str, out: &mut Vec<String>) {
    let folded = fold(field);
    let pieces: Vec<&str> = folded.split_whitespace().collect();
    for p in &pieces {
        push_unique(out, p);
    }
    if pieces.len() > 1 {
        push_unique(out, &pieces.concat());
    }
}

/// Every token of a patient's names (current, previous and aliases), then one initial token
/// (`^` and the first letter) per letter that starts a name, so a one-letter word in a query
/// ("jonh s") is one short list to check rather than every name that starts with that letter.
pub fn patient_tokens<'a>(fields: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out = Vec::new();
    for f in fields {
        name_tokens_into(f, &mut out);
    }
    let mut initials: Vec<String> = out
        .iter()
        .filter_map(|t| t.get(..1))
        .map(initial_token)
        .collect();
    initials.sort_unstable();
    initials.dedup();
    out.extend(initials);
    out
}

/// The token that stands for "a name starting with `letter`".
pub fn initial_token(letter: &str) -> String {
    format!("^{letter}")
}

fn push_unique(out: &mut Vec<String>, t: &str) {
    // Room for the longest word a query keeps, transliterated (ß → ss).
    if !t.is_empty() && t.len() <= 4 * super::query::MAX_WORD && !out.iter().any(|x| x == t) {
        out.push(t.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliterates_not_only_strips() {
        assert_eq!(fold("Nguyễn"), "nguyen");
        assert_eq!(fold("Đặng"), "dang");
        assert_eq!(fold("Sørensen"), "sorensen");
        assert_eq!(fold("Müller"), "muller");
        assert_eq!(fold("Ñúñez"), "nunez");
        assert_eq!(fold("Strauß"), "strauss");
        assert_eq!(fold("O'Brien"), "obrien");
        assert_eq!(fold("O’Brien"), "obrien");
    }

    #[test]
    fn multi_part_names() {
        assert_eq!(
            patient_tokens(["de la Cruz", "María José"]),
            vec![
                "de",
                "la",
                "cruz",
                "delacruz",
                "maria",
                "jose",
                "mariajose",
                "^c",
                "^d",
                "^j",
                "^l",
                "^m"
            ]
        );
        assert_eq!(
            patient_tokens(["Smith-Jones"]),
            vec!["smith", "jones", "smithjones", "^j", "^s"]
        );
    }

    #[test]
    fn hostile_input_folds_harmlessly() {
        assert_eq!(
            fold("\u{1b}]0;owned\u{7}Smith").split_whitespace().last(),
            Some("smith")
        );
        assert_eq!(fold("\u{202e}evil").trim(), "evil");
    }
}
