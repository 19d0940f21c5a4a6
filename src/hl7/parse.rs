//! Reading HL7 v2 messages: the delimiters each message declares in MSH, segments ended by
//! CR, LF or CRLF, repetitions, components, subcomponents, escape sequences and `""` nulls.
//!
//! Written here rather than taken from a crate (../shared/LIBRARIES.md: two of the four
//! parsers tried panic on accented names before an escape; the best one is three months old
//! with one author). This one never indexes text by byte position, keeps every message
//! within fixed limits, and is fed arbitrary bytes by a property test.

use std::fmt;

/// A message bigger than this is refused before it is read (a runaway feed, not a record).
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024 * 1024;
/// A message with more segments than this is refused.
pub const MAX_SEGMENTS: usize = 100_000;

/// Why a message could not be read at all. Each says where, for the error queue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the message is empty")]
    Empty,
    #[error("the message is {0} bytes, more than the {MAX_MESSAGE_BYTES} accepted")]
    TooBig(usize),
    #[error("the message has more than {MAX_SEGMENTS} segments")]
    TooManySegments,
    #[error("this is not an HL7 message: it must begin with an MSH segment (it begins {0:?})")]
    NoMsh(String),
    #[error("the MSH segment is cut short: it must declare its delimiters, as MSH|^~\\&|")]
    ShortMsh,
    #[error(
        "the MSH segment declares unusable delimiters {0:?}: they must be five different punctuation characters"
    )]
    BadDelimiters(String),
    #[error(
        "segment {line} has no valid name ({found:?}): a segment begins with three capital letters or digits"
    )]
    BadSegmentName { line: usize, found: String },
}

/// The delimiters a message declares in MSH-1 and MSH-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    pub field: char,
    pub component: char,
    pub repetition: char,
    pub escape: Option<char>,
    pub subcomponent: Option<char>,
}

impl Default for Delimiters {
    fn default() -> Self {
        Delimiters {
            field: '|',
            component: '^',
            repetition: '~',
            escape: Some('\\'),
            subcomponent: Some('&'),
        }
    }
}

impl Delimiters {
    /// MSH-2 as it is written: component, repetition, escape, subcomponent.
    pub fn encoding_characters(&self) -> String {
        let mut s = String::new();
        s.push(self.component);
        s.push(self.repetition);
        s.extend(self.escape);
        s.extend(self.subcomponent);
        s
    }
}

/// A value as the sender meant it: not sent (leave what is stored), the explicit null `""`
/// (erase what is stored), or text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Absent,
    Null,
    Text(String),
}

impl Value {
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// One segment: its name and its fields as sent (escapes still in place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub name: String,
    /// `fields[0]` is the name; for MSH, `fields[1]` is the field separator itself, so that
    /// field numbers match the standard's (MSH-3 is `fields[3]`).
    fields: Vec<String>,
}

/// A parsed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub delimiters: Delimiters,
    pub segments: Vec<Segment>,
}

impl Segment {
    /// How many fields the segment carries (the name not counted).
    pub fn len(&self) -> usize {
        self.fields.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw text of field `n` (1-based, as the standard numbers them).
    pub fn raw(&self, n: usize) -> &str {
        self.fields.get(n).map(String::as_str).unwrap_or("")
    }
}

impl Message {
    /// Reads one message. Text that is not UTF-8 is read as ISO 8859-1 (HL7's usual
    /// default), so no byte is lost.
    pub fn parse(bytes: &[u8]) -> Result<Message, ParseError> {
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(ParseError::TooBig(bytes.len()));
        }
        let text = decode(bytes);
        Message::parse_str(&text)
    }

    pub fn parse_str(text: &str) -> Result<Message, ParseError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text
            .split(['\r', '\n'])
            .map(|l| l.trim_start_matches(['\u{b}', '\u{1c}']))
            .filter(|l| !l.trim().is_empty());
        let first = lines.next().ok_or(ParseError::Empty)?;
        if !first.starts_with("MSH") {
            return Err(ParseError::NoMsh(first.chars().take(12).collect()));
        }
        let delimiters = read_delimiters(first)?;
        let mut segments = vec![split_msh(first, &delimiters)];
        for (i, line) in lines.enumerate() {
            if segments.len() >= MAX_SEGMENTS {
                return Err(ParseError::TooManySegments);
            }
            segments.push(split_segment(line, &delimiters, i + 2)?);
        }
        Ok(Message {
            delimiters,
            segments,
        })
    }

    /// The first segment with this name.
    pub fn segment(&self, name: &str) -> Option<&Segment> {
        self.segments.iter().find(|s| s.name == name)
    }

    /// Every segment with this name, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Segment> + 'a {
        self.segments.iter().filter(move |s| s.name == name)
    }

    /// Field `field`, repetition `rep` (0-based), component and subcomponent (1-based) of a
    /// segment, unescaped.
    pub fn get(&self, seg: &Segment, field: usize, rep: usize, comp: usize, sub: usize) -> Value {
        let d = &self.delimiters;
        let raw = seg.raw(field);
        if seg.name == "MSH" && field <= 2 {
            // MSH-1 and MSH-2 are the delimiters themselves, never escaped.
            return if raw.is_empty() {
                Value::Absent
            } else {
                Value::Text(raw.to_string())
            };
        }
        let Some(r) = raw.split(d.repetition).nth(rep) else {
            return Value::Absent;
        };
        if r == "\"\"" {
            return Value::Null;
        }
        let Some(c) = r.split(d.component).nth(comp.saturating_sub(1)) else {
            return Value::Absent;
        };
        let s = match d.subcomponent {
            Some(sc) => c.split(sc).nth(sub.saturating_sub(1)),
            None if sub <= 1 => Some(c),
            None => None,
        };
        match s {
            None | Some("") => Value::Absent,
            Some("\"\"") => Value::Null,
            Some(s) => Value::Text(unescape(s, d)),
        }
    }

    /// How many repetitions field `field` of a segment has (0 when empty).
    pub fn repetitions(&self, seg: &Segment, field: usize) -> usize {
        let raw = seg.raw(field);
        if raw.is_empty() {
            0
        } else {
            raw.split(self.delimiters.repetition).count()
        }
    }

    /// A field by its usual name ("PID-5.1"): segment, field, component, first repetition.
    pub fn value(&self, path: &str) -> Value {
        let Some((seg, rest)) = path.split_once('-') else {
            return Value::Absent;
        };
        let mut nums = rest.split('.').map(|n| n.parse::<usize>().unwrap_or(0));
        let field = nums.next().unwrap_or(0);
        let comp = nums.next().unwrap_or(1);
        let sub = nums.next().unwrap_or(1);
        match self.segment(seg) {
            Some(s) if field > 0 => self.get(s, field, 0, comp, sub),
            _ => Value::Absent,
        }
    }

    /// The text of a field, or "" when absent or null.
    pub fn text(&self, path: &str) -> String {
        match self.value(path) {
            Value::Text(s) => s,
            _ => String::new(),
        }
    }
}

/// Bytes as text: UTF-8 when they are, ISO 8859-1 otherwise.
pub fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

fn read_delimiters(msh: &str) -> Result<Delimiters, ParseError> {
    let mut chars = msh.chars().skip(3);
    let field = chars.next().ok_or(ParseError::ShortMsh)?;
    let enc: String = chars.take_while(|&c| c != field).collect();
    let e: Vec<char> = enc.chars().collect();
    if e.len() < 2 {
        return Err(ParseError::ShortMsh);
    }
    let d = Delimiters {
        field,
        component: e[0],
        repetition: e[1],
        escape: e.get(2).copied(),
        subcomponent: e.get(3).copied(),
    };
    let mut all = vec![d.field, d.component, d.repetition];
    all.extend(d.escape);
    all.extend(d.subcomponent);
    let distinct = {
        let mut v = all.clone();
        v.sort_unstable();
        v.dedup();
        v.len() == all.len()
    };
    // MSH-2 may carry a fifth character (the v2.7 truncation character); it is not used.
    if !distinct
        || all
            .iter()
            .any(|c| c.is_alphanumeric() || c.is_whitespace() || c.is_control())
    {
        return Err(ParseError::BadDelimiters(format!("{field}{enc}")));
    }
    Ok(d)
}

fn split_msh(line: &str, d: &Delimiters) -> Segment {
    // "MSH" "|" "^~\&" "field 3" …: MSH-1 is the separator, MSH-2 the encoding characters.
    let body: String = line.chars().skip(4).collect();
    let mut fields = vec!["MSH".to_string(), d.field.to_string()];
    fields.extend(body.split(d.field).map(str::to_string));
    Segment {
        name: "MSH".to_string(),
        fields,
    }
}

fn split_segment(line: &str, d: &Delimiters, line_no: usize) -> Result<Segment, ParseError> {
    let fields: Vec<String> = line.split(d.field).map(str::to_string).collect();
    let name = fields[0].trim().to_string();
    let ok = name.chars().count() == 3
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !ok {
        return Err(ParseError::BadSegmentName {
            line: line_no,
            found: name.chars().filter(|c| !c.is_control()).take(12).collect(),
        });
    }
    Ok(Segment { name, fields })
}

/// Undoes HL7 escapes: `\F\ \S\ \T\ \R\ \E\` (the delimiters), `\X..\` (hex bytes, read as
/// UTF-8 when they are, else ISO 8859-1), `\.br\` (a line break). Formatting and
/// character-set escapes (`\H\ \N\ \Cxxyy\ \Mxxyyzz\ \.sp\ …`) are dropped; an unknown or
/// unterminated escape is kept as sent.
pub fn unescape(s: &str, d: &Delimiters) -> String {
    let Some(esc) = d.escape else {
        return s.to_string();
    };
    if !s.contains(esc) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find(esc) {
        out.push_str(&rest[..start]);
        let after = &rest[start + esc.len_utf8()..];
        let Some(end) = after.find(esc) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let seq = &after[..end];
        match seq {
            "F" => out.push(d.field),
            "S" => out.push(d.component),
            "T" => out.extend(d.subcomponent),
            "R" => out.push(d.repetition),
            "E" => out.push(esc),
            ".br" => out.push('\n'),
            "H" | "N" => {}
            _ if seq.starts_with('X') && hex_bytes(&seq[1..]).is_some() => {
                out.push_str(&decode(&hex_bytes(&seq[1..]).unwrap_or_default()));
            }
            _ if (seq.starts_with('C') || seq.starts_with('M') || seq.starts_with('.'))
                && seq.len() > 1 => {}
            _ => {
                // Not an escape chartroom knows: keep it exactly as sent.
                out.push(esc);
                out.push_str(seq);
                out.push(esc);
            }
        }
        rest = &after[end + esc.len_utf8()..];
    }
    out.push_str(rest);
    out
}

fn hex_bytes(h: &str) -> Option<Vec<u8>> {
    if h.is_empty() || !h.len().is_multiple_of(2) || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(h.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Escapes text for a field of a message with these delimiters (for the ACK's text).
pub fn escape(s: &str, d: &Delimiters) -> String {
    let Some(esc) = d.escape else {
        return s
            .chars()
            .filter(|c| {
                ![d.field, d.component, d.repetition].contains(c) && Some(*c) != d.subcomponent
            })
            .collect();
    };
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let code = if c == d.field {
            Some("F")
        } else if c == d.component {
            Some("S")
        } else if Some(c) == d.subcomponent {
            Some("T")
        } else if c == d.repetition {
            Some("R")
        } else if c == esc {
            Some("E")
        } else if c == '\n' || c == '\r' {
            Some(".br")
        } else {
            None
        };
        match code {
            Some(code) => {
                out.push(esc);
                out.push_str(code);
                out.push(esc);
            }
            None if c.is_control() => {}
            None => out.push(c),
        }
    }
    out
}

/// Splits a file or stream holding one or more messages (with or without batch headers
/// FHS/BHS/BTS/FTS, MLLP framing bytes left over) into messages, each starting at an MSH.
/// Text before the first MSH, other than batch headers, is returned as an unreadable part.
pub fn split_batch(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out: Vec<String> = Vec::new();
    let mut cur: Option<String> = None;
    let mut junk = String::new();
    for line in text.split(['\r', '\n']) {
        let line = line.trim_start_matches(['\u{b}', '\u{1c}']);
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with("MSH") {
            out.extend(cur.take());
            cur = Some(line.to_string());
        } else if ["FHS", "BHS", "BTS", "FTS"]
            .iter()
            .any(|h| line.starts_with(h))
        {
            out.extend(cur.take());
        } else if let Some(c) = cur.as_mut() {
            c.push('\r');
            c.push_str(line);
        } else {
            junk.push_str(line);
            junk.push('\r');
        }
    }
    out.extend(cur);
    if !junk.is_empty() {
        out.insert(0, junk);
    }
    out
}

impl fmt::Display for Message {
    /// The message with CR segment ends, as it is sent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.segments {
            if s.name == "MSH" {
                write!(f, "MSH{}", s.fields[1])?;
                f.write_str(&s.fields[2..].join(&self.delimiters.field.to_string()))?;
            } else {
                f.write_str(&s.fields.join(&self.delimiters.field.to_string()))?;
            }
            f.write_str("\r")?;
        }
        Ok(())
    }
}
