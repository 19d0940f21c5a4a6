//! Making untrusted text safe to put on a terminal: names from HL7 feeds and pasted text may
//! carry escape sequences, control characters or bidi overrides.

use std::borrow::Cow;

/// Characters that reorder text on screen (bidi embeddings, overrides and isolates).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Replaces C0/C1 controls (ESC included) with visible `^X`/`�` marks and drops bidi
/// controls, so nothing in the data can move the cursor, set the window title or recolour
/// the screen. Text without such characters is returned as is.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() || is_bidi_control(c)) {
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
            c if is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
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
}
