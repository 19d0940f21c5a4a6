//! One key with its modifiers, and a chord of two (`g g`).

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key with its modifiers, normalised (Shift is folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub mods: u8,
}

/// `KeyCode` wrapped so keys sort (for stable help listings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Named(u8),
}

const NAMED: [(&str, KeyCode, &str); 14] = [
    ("enter", KeyCode::Enter, "Enter"),
    ("esc", KeyCode::Esc, "Esc"),
    ("tab", KeyCode::Tab, "Tab"),
    ("backtab", KeyCode::BackTab, "Shift-Tab"),
    ("backspace", KeyCode::Backspace, "Backspace"),
    ("delete", KeyCode::Delete, "Del"),
    ("up", KeyCode::Up, "↑"),
    ("down", KeyCode::Down, "↓"),
    ("left", KeyCode::Left, "←"),
    ("right", KeyCode::Right, "→"),
    ("home", KeyCode::Home, "Home"),
    ("end", KeyCode::End, "End"),
    ("pageup", KeyCode::PageUp, "PgUp"),
    ("pagedown", KeyCode::PageDown, "PgDn"),
];

const CTRL: u8 = 1;
const ALT: u8 = 2;

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let mut mods = 0;
        if ev.modifiers.contains(KeyModifiers::CONTROL) {
            mods |= CTRL;
        }
        if ev.modifiers.contains(KeyModifiers::ALT) {
            mods |= ALT;
        }
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(if mods & CTRL != 0 {
                c.to_ascii_lowercase()
            } else {
                c
            }),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            other => KeyCodeOrd::Named(NAMED.iter().position(|(_, k, _)| *k == other)? as u8),
        };
        Some(Key { code, mods })
    }

    /// Parses `ctrl-n`, `alt-1`, `f1`, `shift-tab`, `pagedown`, `space`, `?`, `G`.
    pub fn parse(s: &str) -> Result<Key, String> {
        let bad = || {
            format!(
                "\"{}\" is not a key I know (try ctrl-n, alt-1, f2, enter, j, g g)",
                crate::domain::Text::from(s)
            )
        };
        let mut mods = 0;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 1 && lower.starts_with("ctrl-") {
                mods |= CTRL;
                rest = &rest[5..];
            } else if rest.len() > 1 && lower.starts_with("alt-") {
                mods |= ALT;
                rest = &rest[4..];
            } else if lower == "shift-tab" {
                return Ok(Key {
                    code: KeyCodeOrd::Named(3),
                    mods,
                });
            } else {
                break;
            }
        }
        let lower = rest.to_ascii_lowercase();
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() => KeyCodeOrd::Char(if mods & CTRL != 0 {
                c.to_ascii_lowercase()
            } else {
                c
            }),
            _ if lower == "space" => KeyCodeOrd::Char(' '),
            _ if lower == "pgdn" => KeyCodeOrd::Named(13),
            _ if lower == "pgup" => KeyCodeOrd::Named(12),
            _ if lower.starts_with('f') && lower.len() > 1 => {
                let n: u8 = lower[1..].parse().map_err(|_| bad())?;
                if !(1..=12).contains(&n) {
                    return Err(bad());
                }
                KeyCodeOrd::F(n)
            }
            _ => KeyCodeOrd::Named(
                NAMED
                    .iter()
                    .position(|(n, _, _)| *n == lower)
                    .ok_or_else(bad)? as u8,
            ),
        };
        Ok(Key { code, mods })
    }

    /// A key that types a character into a text field.
    pub fn is_printable(&self) -> bool {
        matches!(self.code, KeyCodeOrd::Char(_)) && self.mods & (CTRL | ALT) == 0
    }

    /// Plain Esc (it cancels a chord half typed).
    pub fn is_esc(&self) -> bool {
        self.code == KeyCodeOrd::Named(1) && self.mods == 0
    }

    /// A plain named key that is not Tab or Shift-Tab (preferred in hints).
    pub(super) fn is_plain_named(&self) -> bool {
        self.mods == 0 && matches!(self.code, KeyCodeOrd::Named(i) if i != 2 && i != 3)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods & CTRL != 0 {
            f.write_str("Ctrl-")?;
        }
        if self.mods & ALT != 0 {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("Space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
            KeyCodeOrd::Named(i) => f.write_str(NAMED[i as usize].2),
        }
    }
}

/// What a binding is pressed with: one key, or two in a row (`g g`, no timer between).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Chord(pub Key, pub Option<Key>);

impl Chord {
    pub fn one(k: Key) -> Chord {
        Chord(k, None)
    }

    /// Parses `j`, `ctrl-n` or a chord of two keys separated by a space (`g g`).
    pub fn parse(s: &str) -> Result<Chord, String> {
        match s.split_once(' ').filter(|_| s.trim().len() > 1) {
            Some((a, b)) if !a.is_empty() && !b.trim().is_empty() => {
                Ok(Chord(Key::parse(a)?, Some(Key::parse(b.trim())?)))
            }
            _ => Ok(Chord(Key::parse(s)?, None)),
        }
    }

    /// A single printable key (text in a field).
    pub fn is_printable(&self) -> bool {
        self.1.is_none() && self.0.is_printable()
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            None => write!(f, "{}", self.0),
            Some(b) => write!(f, "{} {b}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> Key {
        Key::from_event(&KeyEvent::new(code, m)).unwrap()
    }

    #[test]
    fn parse_and_show() {
        for s in [
            "ctrl-n",
            "alt-1",
            "f1",
            "enter",
            "j",
            "G",
            "?",
            "shift-tab",
            "pagedown",
        ] {
            let k = Key::parse(s).unwrap();
            assert_eq!(
                Key::parse(&k.to_string().replace('↓', "down"))
                    .ok()
                    .map(|_| ()),
                Some(()),
                "{s}"
            );
        }
        assert_eq!(
            Key::parse("ctrl-n").unwrap(),
            ev(KeyCode::Char('n'), KeyModifiers::CONTROL)
        );
        assert_eq!(
            Key::parse("alt-1").unwrap(),
            ev(KeyCode::Char('1'), KeyModifiers::ALT)
        );
        assert_eq!(
            Key::parse("G").unwrap(),
            ev(KeyCode::Char('G'), KeyModifiers::SHIFT)
        );
        assert_eq!(
            Key::parse("shift-tab").unwrap(),
            ev(KeyCode::BackTab, KeyModifiers::SHIFT)
        );
        assert!(Key::parse("hyper-x").is_err());
        assert!(Key::parse("f99").is_err());
        let g = Chord::parse("g g").unwrap();
        assert_eq!(g.to_string(), "g g");
        assert_eq!(Chord::parse("space").unwrap().to_string(), "Space");
        assert!(Chord::parse("g hyper").is_err());
    }
}
