//! JSON for the shell (`--json`): valid JSON whose strings never carry a character a
//! terminal acts on. Control characters (C0, DEL, C1), bidi controls and invisible
//! characters are written as `\uXXXX` escapes, so `chartroom show --json` piped to a
//! terminal cannot set its title or write its clipboard, and a program reading it still gets
//! the data exactly as stored.

use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

use crate::text::{is_bidi_control, is_invisible};

fn must_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || is_invisible(c) || matches!(c, '\u{200C}' | '\u{200D}')
}

/// One of serde_json's printers with the extra escapes.
struct Safe<F>(F);

impl<F: Formatter> Formatter for Safe<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if must_escape(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(w, "\\u{u:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

fn write<T: Serialize + ?Sized, F: Formatter>(v: &T, f: F) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Safe(f));
    if v.serialize(&mut ser).is_err() {
        return "null".into();
    }
    String::from_utf8(out).unwrap_or_else(|_| "null".into())
}

/// Pretty JSON with the escapes above.
pub fn pretty<T: Serialize + ?Sized>(v: &T) -> String {
    write(v, PrettyFormatter::new())
}

/// One-line JSON with the escapes above.
pub fn line<T: Serialize + ?Sized>(v: &T) -> String {
    write(v, CompactFormatter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangerous_characters_are_escaped_and_the_data_survives() {
        let s = "Smith\u{1b}]52;c;aGk=\u{7} \u{202e}evil \u{9b}31m \u{200b}x \u{7f} Zoë";
        let out = pretty(&serde_json::json!({ "family": s }));
        for bad in [
            '\u{1b}', '\u{7}', '\u{202e}', '\u{9b}', '\u{200b}', '\u{7f}',
        ] {
            assert!(!out.contains(bad), "{bad:?} in {out}");
        }
        assert!(out.contains("\\u001b") && out.contains("\\u202e") && out.contains("Zoë"));
        let back: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(back["family"], s);
        let one: serde_json::Value = serde_json::from_str(&line(&[s])).expect("valid JSON");
        assert_eq!(one[0], s);
    }
}
