//! Text from outside chartroom — typed by a clerk, sent by a feed, read back from the store —
//! and the one way it reaches a terminal.
//!
//! A [`Text`] holds the characters as they came. It has no `Deref` to `str` and does not
//! convert into a string on its own: displaying it (`{}`, `.to_string()`, `.shown()`) gives
//! the sanitized form, with C0/C1 controls (ESC included) as visible `^X`/`�` marks and bidi
//! and invisible controls dropped, so nothing in the data can move the cursor, set the window title, write
//! the clipboard (OSC 52) or reorder the line. Code that must see the raw characters
//! (searching, validating, storing, JSON) asks for them by name with [`Text::raw`].

use std::borrow::Cow;
use std::fmt;

/// Characters that reorder text on screen (bidi embeddings, overrides and isolates, marks).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Invisible characters that hide what a name really is (zero-width space, word joiner,
/// byte-order mark). Zero-width (non-)joiners are not among them: Persian and Indic names
/// need them.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

/// Replaces C0/C1 controls (ESC included) with visible `^X`/`�` marks and drops bidi
/// controls and invisible characters. Text without such characters is returned as is.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| c.is_control() || is_bidi_control(c) || is_invisible(c))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\u{0}'..='\u{1f}' => {
                out.push('^');
                out.push((b'@' + c as u8) as char);
            }
            '\u{7f}' => out.push_str("^?"),
            '\u{80}'..='\u{9f}' => out.push('\u{FFFD}'),
            c if is_bidi_control(c) || is_invisible(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Untrusted text; see the module's comment.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(String);

impl Text {
    pub fn new(s: impl Into<String>) -> Text {
        Text(s.into())
    }

    /// The characters as they came: for searching, validating, storing and JSON only, never
    /// for a terminal.
    pub fn raw(&self) -> &str {
        &self.0
    }

    pub fn into_raw(self) -> String {
        self.0
    }

    /// The text made safe to show.
    pub fn shown(&self) -> Cow<'_, str> {
        sanitize(&self.0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The lines of the text (LF or CRLF), tabs as four spaces, each made safe to show.
    pub fn lines(&self) -> Vec<String> {
        self.0
            .split('\n')
            .map(|l| sanitize(&l.trim_end_matches('\r').replace('\t', "    ")).into_owned())
            .collect()
    }

    /// The first `n` characters (a date out of a timestamp, say).
    pub fn head(&self, n: usize) -> Text {
        Text(self.0.chars().take(n).collect())
    }
}

/// An optional text shown safely, or `fallback` when there is none.
pub fn shown_or<'a>(t: &'a Option<Text>, fallback: &'a str) -> Cow<'a, str> {
    match t {
        Some(t) => t.shown(),
        None => Cow::Borrowed(fallback),
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` keeps width and alignment (`{:<12}`) working on the shown form.
        f.pad(&self.shown())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.shown(), f)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(s)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(s.to_string())
    }
}

impl std::str::FromStr for Text {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Text, Self::Err> {
        Ok(Text::from(s))
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, o: &str) -> bool {
        self.0 == o
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, o: &String) -> bool {
        self.0 == *o
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, o: &Text) -> bool {
        *self == o.0
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, o: &&str) -> bool {
        self.0 == *o
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // The raw characters: JSON output escapes what a terminal must not see (see
        // `cli::json`), and a program reading it gets the data as stored.
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        // The raw characters as sent (`chartroom serve`'s wire): they show themselves safely
        // on the client as they did on the server.
        String::deserialize(d).map(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_become_visible() {
        assert_eq!(sanitize("\u{1b}]0;owned\u{7}Smith"), "^[]0;owned^GSmith");
        assert_eq!(sanitize("a\u{202e}b"), "ab");
        assert_eq!(sanitize("\u{9b}31m"), "\u{FFFD}31m");
        assert!(matches!(sanitize("Nguyễn"), Cow::Borrowed(_)));
    }

    #[test]
    fn text_shows_only_its_safe_form() {
        let t = Text::from("Smith\u{1b}]52;c;aGk=\u{7}\u{202e}");
        assert_eq!(t.to_string(), "Smith^[]52;c;aGk=^G");
        assert_eq!(format!("{t:<22}|"), "Smith^[]52;c;aGk=^G   |");
        assert!(!format!("{t:?}").contains('\u{1b}'));
        assert_eq!(t.raw().chars().filter(|c| *c == '\u{1b}').count(), 1);
    }
}
