//! The one text field every editor uses (the search box, the palette, the break-the-glass
//! reason, the lock password, a form's fields): a cursor by character shown by display
//! width, paste, the editing keys of a shell line (Ctrl-a, Ctrl-e, Ctrl-k, Ctrl-u, Ctrl-w,
//! Alt-b, Alt-f, Home, End, Delete, Backspace, ←, →) and a maximum length.
//!
//! A masked field (the password) reserves its room up front and never grows, so no
//! reallocation leaves a copy behind; every character it drops is wiped on the spot, and the
//! whole buffer is wiped when it is emptied or dropped. It is drawn as `•`, never as text.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
use zeroize::{Zeroize, Zeroizing};

use super::{fit, tail};
use crate::domain::Text;

/// The mask drawn for each character of a masked field (never the character itself).
pub const MASK: char = '•';

/// What a key or a paste did to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// Only the cursor moved.
    Moved,
    /// The field is full: nothing (or not everything) went in.
    Full,
    /// Not an editing key.
    Ignored,
}

pub struct TextField {
    chars: Vec<char>,
    /// In characters, `0..=chars.len()`.
    cursor: usize,
    max: usize,
    masked: bool,
}

impl TextField {
    /// A plain field holding at most `max` characters.
    pub fn new(max: usize) -> TextField {
        TextField {
            chars: Vec::new(),
            cursor: 0,
            max,
            masked: false,
        }
    }

    /// A masked field: its room (`max` characters) is reserved now and never grows.
    pub fn masked(max: usize) -> TextField {
        TextField {
            chars: Vec::with_capacity(max),
            cursor: 0,
            max,
            masked: true,
        }
    }

    pub fn is_masked(&self) -> bool {
        self.masked
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// The cursor, in characters.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The text (a plain field; a masked one gives its text only through [`Self::take_secret`]).
    pub fn text(&self) -> String {
        if self.masked {
            return String::new();
        }
        self.chars.iter().collect()
    }

    /// Replaces the text (cut to the maximum); the cursor goes to the end.
    pub fn set(&mut self, text: &str) {
        self.clear();
        self.insert_clean(text.chars());
    }

    /// Empties the field (a masked one is wiped).
    pub fn clear(&mut self) {
        if self.masked {
            self.chars.zeroize();
        } else {
            self.chars.clear();
        }
        self.cursor = 0;
    }

    /// The text of a masked field, moved into a string that wipes itself, and the field
    /// emptied. The string's room is reserved first, so it never reallocates either.
    pub fn take_secret(&mut self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(self.chars.len() * 4));
        s.extend(self.chars.iter());
        self.clear();
        s
    }

    /// Applies an editing key.
    pub fn key(&mut self, ev: &KeyEvent) -> Edit {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let len = self.chars.len();
        match ev.code {
            KeyCode::Char(c) if !ctrl && !alt => return self.insert_clean(std::iter::once(c)),
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = len,
            KeyCode::Char('k') if ctrl => return self.remove(self.cursor, len),
            KeyCode::Char('u') if ctrl => {
                let end = self.cursor;
                return self.remove(0, end);
            }
            KeyCode::Char('w') if ctrl => {
                let start = self.word_start(|c| c == ' ');
                let end = self.cursor;
                return self.remove(start, end);
            }
            KeyCode::Char('b') if alt => self.cursor = self.word_start(|c| !c.is_alphanumeric()),
            KeyCode::Char('f') if alt => self.cursor = self.word_end(),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Backspace if self.cursor > 0 => {
                let end = self.cursor;
                return self.remove(end - 1, end);
            }
            KeyCode::Delete if self.cursor < len => {
                let at = self.cursor;
                return self.remove(at, at + 1);
            }
            KeyCode::Backspace | KeyCode::Delete => return Edit::Moved,
            _ => return Edit::Ignored,
        }
        Edit::Moved
    }

    /// Pastes text at the cursor: line breaks and other controls become spaces (a masked
    /// field drops them). Returns `Full` when some of it did not fit.
    pub fn paste(&mut self, text: &str) -> Edit {
        if self.masked {
            self.insert_clean(text.chars().filter(|c| !c.is_control()))
        } else {
            self.insert_clean(text.chars().map(|c| if c.is_control() { ' ' } else { c }))
        }
    }

    /// Inserts characters at the cursor up to the maximum; controls never go in.
    fn insert_clean(&mut self, chars: impl Iterator<Item = char>) -> Edit {
        let mut changed = false;
        for c in chars {
            if c.is_control() {
                continue;
            }
            // A masked field never grows past the room reserved for it.
            if self.chars.len() >= self.max
                || (self.masked && self.chars.len() >= self.chars.capacity())
            {
                return Edit::Full;
            }
            self.chars.insert(self.cursor, c);
            self.cursor += 1;
            changed = true;
        }
        if changed { Edit::Changed } else { Edit::Moved }
    }

    /// Removes `start..end` (in characters); what moved out of the text is wiped.
    fn remove(&mut self, start: usize, end: usize) -> Edit {
        let end = end.min(self.chars.len());
        if start >= end {
            return Edit::Moved;
        }
        self.chars.drain(start..end);
        if self.masked {
            self.chars.spare_capacity_mut().zeroize();
        }
        if self.cursor > start {
            self.cursor = start.max(self.cursor.saturating_sub(end - start));
        }
        Edit::Changed
    }

    /// Where the word before the cursor starts (`sep` says what separates words).
    fn word_start(&self, sep: impl Fn(char) -> bool) -> usize {
        let mut i = self.cursor.min(self.chars.len());
        while i > 0 && sep(self.chars[i - 1]) {
            i -= 1;
        }
        while i > 0 && !sep(self.chars[i - 1]) {
            i -= 1;
        }
        i
    }

    /// Where the word at or after the cursor ends.
    fn word_end(&self) -> usize {
        let n = self.chars.len();
        let mut i = self.cursor;
        while i < n && !self.chars[i].is_alphanumeric() {
            i += 1;
        }
        while i < n && self.chars[i].is_alphanumeric() {
            i += 1;
        }
        i
    }

    /// What to draw in `width` columns and the cursor's column in it. The text is made safe
    /// for the terminal; a long text scrolls so the cursor stays in view (`…` marks a cut).
    pub fn view(&self, width: usize) -> (String, u16) {
        if self.masked {
            let n = self.chars.len().min(width);
            let mask: String = std::iter::repeat_n(MASK, n).collect();
            return (mask, self.cursor.min(n) as u16);
        }
        // What was typed or pasted is shown as any outside text is: through `Text`.
        let before = Text::from(self.chars[..self.cursor].iter().collect::<String>());
        let after = Text::from(self.chars[self.cursor..].iter().collect::<String>());
        let before = tail(&before.shown(), width);
        let shown = fit(&format!("{before}{after}"), width + 1);
        (shown, before.width() as u16)
    }

    /// The display width of the text before the cursor (a masked field: one column each).
    pub fn cursor_width(&self) -> usize {
        if self.masked {
            return self.cursor;
        }
        self.chars[..self.cursor]
            .iter()
            .map(|c| c.width().unwrap_or(0))
            .sum()
    }
}

impl Drop for TextField {
    fn drop(&mut self) {
        if self.masked {
            self.chars.zeroize();
        }
    }
}

/// Never the text: a field may hold a name, an MRN or a password.
impl fmt::Debug for TextField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.masked {
            return f.write_str("TextField(***)");
        }
        write!(f, "TextField({} chars, cursor {})", self.len(), self.cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(f: &mut TextField, code: KeyCode, m: KeyModifiers) -> Edit {
        f.key(&KeyEvent::new(code, m))
    }

    fn typed(s: &str) -> TextField {
        let mut f = TextField::new(50);
        f.paste(s);
        f
    }

    #[test]
    fn shell_line_keys() {
        let (c, a, n) = (KeyModifiers::CONTROL, KeyModifiers::ALT, KeyModifiers::NONE);
        let mut f = typed("john smith 1970");
        k(&mut f, KeyCode::Char('w'), c);
        assert_eq!(f.text(), "john smith ");
        k(&mut f, KeyCode::Char('b'), a);
        assert_eq!(f.cursor(), 5);
        k(&mut f, KeyCode::Char('k'), c);
        assert_eq!(f.text(), "john ");
        k(&mut f, KeyCode::Char('a'), c);
        k(&mut f, KeyCode::Char('f'), a);
        assert_eq!(f.cursor(), 4);
        k(&mut f, KeyCode::Char('u'), c);
        assert_eq!((f.text().as_str(), f.cursor()), (" ", 0));
        k(&mut f, KeyCode::Char('e'), c);
        k(&mut f, KeyCode::Left, n);
        k(&mut f, KeyCode::Char('x'), n);
        k(&mut f, KeyCode::Home, n);
        k(&mut f, KeyCode::Delete, n);
        assert_eq!(f.text(), " ");
        k(&mut f, KeyCode::End, n);
        k(&mut f, KeyCode::Backspace, n);
        assert_eq!(f.text(), "");
        assert_eq!(k(&mut f, KeyCode::F(5), n), Edit::Ignored);
    }

    #[test]
    fn wide_characters_and_the_cursor() {
        let mut f = typed("李小龍 Ng");
        assert_eq!(f.cursor_width(), 9);
        k(&mut f, KeyCode::Home, KeyModifiers::NONE);
        k(&mut f, KeyCode::Right, KeyModifiers::NONE);
        assert_eq!((f.cursor(), f.cursor_width()), (1, 2));
        let (shown, x) = f.view(20);
        assert_eq!((shown.as_str(), x), ("李小龍 Ng", 2));
    }

    #[test]
    fn maximum_and_paste() {
        let mut f = TextField::new(5);
        assert_eq!(f.paste("ab\ncd\u{1b}efgh"), Edit::Full);
        assert_eq!(f.text(), "ab cd");
        assert_eq!(
            k(&mut f, KeyCode::Char('z'), KeyModifiers::NONE),
            Edit::Full
        );
    }

    /// Thousands of random edits: no panic, the cursor stays in the text, the maximum holds,
    /// a masked field never reallocates, and the view fits its width.
    #[test]
    fn random_edits_keep_the_field_sound() {
        let codes = [
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::Backspace,
            KeyCode::Delete,
            KeyCode::Char('a'),
            KeyCode::Char('é'),
            KeyCode::Char('李'),
            KeyCode::Char(' '),
            KeyCode::Char('w'),
            KeyCode::Char('k'),
            KeyCode::Char('u'),
            KeyCode::Char('b'),
            KeyCode::Char('f'),
            KeyCode::Char('e'),
        ];
        let mods = [KeyModifiers::NONE, KeyModifiers::CONTROL, KeyModifiers::ALT];
        let mut seed: u64 = 42;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for masked in [false, true] {
            let mut f = if masked {
                TextField::masked(12)
            } else {
                TextField::new(12)
            };
            let cap = f.chars.capacity();
            for _ in 0..5000 {
                if next(20) == 0 {
                    f.paste("Zoë 李\n\u{1b}x");
                } else {
                    k(&mut f, codes[next(codes.len())], mods[next(mods.len())]);
                }
                assert!(f.cursor() <= f.len() && f.len() <= 12);
                if masked {
                    assert_eq!(f.chars.capacity(), cap);
                }
                let (shown, x) = f.view(6);
                assert!(
                    unicode_width::UnicodeWidthStr::width(shown.as_str()) <= 7,
                    "{shown}"
                );
                assert!(x <= 7);
            }
        }
    }

    #[test]
    fn masked_never_grows_and_wipes_what_it_drops() {
        let mut f = TextField::masked(8);
        let cap = f.chars.capacity();
        assert_eq!(f.paste("secret\nword"), Edit::Full);
        assert_eq!(f.len(), 8);
        assert_eq!(f.chars.capacity(), cap, "no reallocation");
        assert_eq!(f.text(), "", "a masked field never gives its text");
        assert_eq!(f.view(20).0, "••••••••");
        assert_eq!(format!("{f:?}"), "TextField(***)");
        k(&mut f, KeyCode::Char('u'), KeyModifiers::CONTROL);
        assert!(f.is_empty());
        // SAFETY: zeroize wrote every byte of the spare room, and 0 is a valid char.
        assert!(
            f.chars
                .spare_capacity_mut()
                .iter()
                .all(|c| unsafe { c.assume_init() } == '\0')
        );
        f.paste("hunter2");
        assert_eq!(
            format!("{:?}", typed("Quinn")),
            "TextField(5 chars, cursor 5)"
        );
        let s = f.take_secret();
        assert_eq!(s.as_str(), "hunter2");
        assert!(f.is_empty());
    }
}
