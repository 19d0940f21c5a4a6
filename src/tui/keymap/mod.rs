//! Keys → actions, per mode. Defaults below; `keymap.toml` in the config directory overrides
//! them entry by entry. A bad entry is reported (shown in the status bar) and the default kept.
//!
//! ```toml
//! [normal]
//! "ctrl-j" = "down"
//! [global]
//! "f10" = "quit"
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// Where the keyboard focus is; each has its own bindings. `Global` bindings work in all of
/// them (so they must never be printable keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Global,
    Normal,
    Search,
    Document,
    Help,
    Palette,
    /// The restricted-record warning and its reason field.
    Glass,
    /// The lock screen: only the password field (and quit) work.
    Lock,
}

impl Mode {
    pub const ALL: [Mode; 8] = [
        Mode::Global,
        Mode::Normal,
        Mode::Search,
        Mode::Document,
        Mode::Help,
        Mode::Palette,
        Mode::Glass,
        Mode::Lock,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::Normal => "normal",
            Mode::Search => "search",
            Mode::Document => "document",
            Mode::Help => "help",
            Mode::Palette => "palette",
            Mode::Glass => "glass",
            Mode::Lock => "lock",
        }
    }

    /// The label in the status bar.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Global | Mode::Normal => "NORMAL",
            Mode::Search => "SEARCH",
            Mode::Document => "READ",
            Mode::Help => "HELP",
            Mode::Palette => "COMMAND",
            Mode::Glass => "RESTRICTED",
            Mode::Lock => "LOCKED",
        }
    }

    /// Modes whose focus is a text field: every printable key is text there.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Mode::Search | Mode::Palette | Mode::Glass | Mode::Lock
        )
    }

    fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == s)
    }
}

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
                "\"{}\" is not a key I know (try ctrl-n, alt-1, f2, enter, j)",
                crate::text::sanitize(s)
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

/// The live keymap: per mode, key → action.
#[derive(Debug, Clone)]
pub struct Keymap {
    maps: BTreeMap<Mode, BTreeMap<Key, Action>>,
}

fn k(s: &str) -> Key {
    Key::parse(s).unwrap_or_else(|e| unreachable!("default key {s}: {e}"))
}

impl Default for Keymap {
    fn default() -> Self {
        use Action::*;
        let mut maps: BTreeMap<Mode, BTreeMap<Key, Action>> = BTreeMap::new();
        let mut bind = |m: Mode, keys: &[&str], a: Action| {
            for key in keys {
                maps.entry(m).or_default().insert(k(key), a);
            }
        };
        bind(Mode::Global, &["ctrl-c"], Quit);
        bind(Mode::Global, &["ctrl-z"], Suspend);
        bind(Mode::Global, &["f1"], Help);
        bind(Mode::Global, &["ctrl-l"], Redraw);
        bind(Mode::Global, &["alt-l", "f12"], Lock);
        let panes = [
            PanePatients,
            PaneChart,
            PaneCoding,
            PaneRequests,
            PaneReports,
            PaneAudit,
        ];
        for (i, a) in panes.into_iter().enumerate() {
            bind(
                Mode::Global,
                &[&format!("alt-{}", i + 1), &format!("f{}", i + 2)],
                a,
            );
            bind(Mode::Normal, &[&format!("{}", i + 1)], a);
        }
        bind(Mode::Normal, &["q"], Quit);
        bind(Mode::Normal, &["?"], Help);
        bind(Mode::Normal, &[":"], Palette);
        bind(Mode::Normal, &["tab"], NextPane);
        bind(Mode::Normal, &["shift-tab"], PrevPane);
        bind(Mode::Normal, &["/", "i"], FocusSearch);
        bind(Mode::Normal, &["enter", "l", "right"], Open);
        bind(Mode::Normal, &["esc", "h", "left"], Back);
        bind(Mode::Normal, &["j", "down"], Down);
        bind(Mode::Normal, &["k", "up"], Up);
        bind(Mode::Normal, &["ctrl-d"], HalfPageDown);
        bind(Mode::Normal, &["ctrl-u"], HalfPageUp);
        bind(Mode::Normal, &["pagedown"], PageDown);
        bind(Mode::Normal, &["pageup"], PageUp);
        bind(Mode::Normal, &["g", "home"], Top);
        bind(Mode::Normal, &["G", "end"], Bottom);
        bind(Mode::Normal, &["J"], ScrollDown);
        bind(Mode::Normal, &["K"], ScrollUp);
        bind(Mode::Normal, &["r"], ReviewAlert);

        bind(Mode::Search, &["esc"], LeaveField);
        bind(Mode::Search, &["enter"], Open);
        bind(Mode::Search, &["down", "ctrl-n"], Down);
        bind(Mode::Search, &["up", "ctrl-p"], Up);
        bind(Mode::Search, &["pagedown"], PageDown);
        bind(Mode::Search, &["pageup"], PageUp);
        bind(Mode::Search, &["ctrl-u"], ClearSearch);
        bind(Mode::Search, &["tab"], LeaveField);

        bind(Mode::Document, &["esc", "q", "h", "left"], Back);
        bind(Mode::Document, &["j", "down"], Down);
        bind(Mode::Document, &["k", "up"], Up);
        bind(Mode::Document, &["ctrl-d", "space"], HalfPageDown);
        bind(Mode::Document, &["ctrl-u"], HalfPageUp);
        bind(Mode::Document, &["pagedown"], PageDown);
        bind(Mode::Document, &["pageup"], PageUp);
        bind(Mode::Document, &["g", "home"], Top);
        bind(Mode::Document, &["G", "end"], Bottom);
        bind(Mode::Document, &["?"], Help);
        bind(Mode::Document, &[":"], Palette);

        bind(Mode::Help, &["esc", "?", "q"], Back);
        bind(Mode::Help, &["j", "down"], Down);
        bind(Mode::Help, &["k", "up"], Up);

        bind(Mode::Palette, &["esc"], Back);
        bind(Mode::Palette, &["enter"], Confirm);
        bind(Mode::Palette, &["down", "ctrl-n", "tab"], Down);
        bind(Mode::Palette, &["up", "ctrl-p", "shift-tab"], Up);
        Keymap { maps }
    }
}

impl Keymap {
    /// The action for a key in a mode: the mode's own binding first, then the global one.
    /// In a text mode a printable key is never looked up: it is text.
    pub fn lookup(&self, mode: Mode, key: &Key) -> Option<Action> {
        if mode.is_text() && key.is_printable() {
            return None;
        }
        self.maps
            .get(&mode)
            .and_then(|m| m.get(key))
            .or_else(|| self.maps.get(&Mode::Global).and_then(|m| m.get(key)))
            .copied()
    }

    /// Every key bound to `action` in `mode` (global ones included when the mode has none).
    pub fn keys_for(&self, mode: Mode, action: Action) -> Vec<Key> {
        let mut out: Vec<Key> = self
            .maps
            .get(&mode)
            .into_iter()
            .flat_map(|m| m.iter())
            .filter(|(_, a)| **a == action)
            .map(|(k, _)| *k)
            .collect();
        if out.is_empty() && mode != Mode::Global {
            out = self.keys_for(Mode::Global, action);
        }
        out
    }

    /// The first key for `action` in `mode`, as shown in hints.
    pub fn hint(&self, mode: Mode, action: Action) -> Option<String> {
        let keys = self.keys_for(mode, action);
        // Prefer a named plain key (Enter, Esc, ↓), then a plain character, then the rest.
        keys.iter()
            .find(|k| k.mods == 0 && matches!(k.code, KeyCodeOrd::Named(i) if i != 2 && i != 3))
            .or_else(|| {
                keys.iter()
                    .find(|k| k.mods == 0 && matches!(k.code, KeyCodeOrd::Named(_)))
            })
            .or_else(|| keys.iter().find(|k| k.mods == 0))
            .or(keys.first())
            .map(|k| k.to_string())
    }

    /// Bindings of one mode, grouped by action in help order.
    pub fn bindings(&self, mode: Mode) -> Vec<(Action, Vec<Key>)> {
        let Some(m) = self.maps.get(&mode) else {
            return Vec::new();
        };
        Action::ALL
            .iter()
            .filter_map(|a| {
                let keys: Vec<Key> = m.iter().filter(|(_, b)| *b == a).map(|(k, _)| *k).collect();
                (!keys.is_empty()).then_some((*a, keys))
            })
            .collect()
    }

    /// Applies overrides from TOML text; returns one message per bad entry (the default for
    /// that entry is kept).
    pub fn apply_toml(&mut self, text: &str) -> Vec<String> {
        let mut problems = Vec::new();
        let table: toml::Table = match text.parse() {
            Ok(t) => t,
            Err(e) => {
                let first = e
                    .message()
                    .lines()
                    .next()
                    .unwrap_or("syntax error")
                    .to_string();
                return vec![format!(
                    "keymap.toml could not be read ({first}); using the default keys"
                )];
            }
        };
        for (section, entries) in table {
            let Some(mode) = Mode::parse(&section) else {
                problems.push(format!(
                    "keymap.toml: [{}] is not a mode (use global, normal, search, document, help, palette)",
                    crate::text::sanitize(&section)
                ));
                continue;
            };
            let Some(entries) = entries.as_table() else {
                problems.push(format!(
                    "keymap.toml: [{section}] should hold key = \"action\" lines"
                ));
                continue;
            };
            for (key, action) in entries {
                match self.parse_entry(mode, key, action) {
                    Ok((key, action)) => {
                        self.maps.entry(mode).or_default().insert(key, action);
                    }
                    Err(e) => problems.push(format!("keymap.toml [{section}]: {e}; default kept")),
                }
            }
        }
        problems
    }

    fn parse_entry(
        &self,
        mode: Mode,
        key: &str,
        action: &toml::Value,
    ) -> Result<(Key, Action), String> {
        let k = Key::parse(key)?;
        let name = action
            .as_str()
            .ok_or_else(|| format!("the action for \"{key}\" should be a quoted name"))?;
        let a: Action = serde_json::from_value(serde_json::Value::String(name.to_string()))
            .map_err(|_| {
                format!(
                    "\"{}\" is not an action (see the help, F1, for their names)",
                    crate::text::sanitize(name)
                )
            })?;
        if (mode.is_text() || mode == Mode::Global) && k.is_printable() {
            return Err(format!(
                "\"{key}\" types text in the {} mode; bind a Ctrl-, Alt- or F-key there",
                mode.name()
            ));
        }
        Ok((k, a))
    }

    /// The default keymap with the user's `keymap.toml` (if any) applied.
    pub fn load(dir: &Path) -> (Keymap, Vec<String>) {
        let mut km = Keymap::default();
        let path = dir.join("keymap.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let problems = km.apply_toml(&text);
                (km, problems)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (km, Vec::new()),
            Err(_) => (
                km,
                vec!["keymap.toml could not be read; using the default keys".into()],
            ),
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
    }

    #[test]
    fn printable_keys_are_text_in_search() {
        let km = Keymap::default();
        for c in ['q', '1', '?', ':', 'j'] {
            assert_eq!(
                km.lookup(Mode::Search, &ev(KeyCode::Char(c), KeyModifiers::NONE)),
                None
            );
        }
        assert_eq!(
            km.lookup(Mode::Search, &Key::parse("alt-2").unwrap()),
            Some(Action::PaneChart)
        );
        assert_eq!(
            km.lookup(Mode::Normal, &Key::parse("q").unwrap()),
            Some(Action::Quit)
        );
    }

    #[test]
    fn bad_entries_are_reported_and_defaults_kept() {
        let mut km = Keymap::default();
        let p = km.apply_toml("[normal]\n\"ctrl-j\" = \"down\"\n\"x\" = \"fly\"\n\"hyper-q\" = \"quit\"\n[search]\n\"a\" = \"quit\"\n[nope]\n");
        assert_eq!(p.len(), 4, "{p:?}");
        assert_eq!(
            km.lookup(Mode::Normal, &Key::parse("ctrl-j").unwrap()),
            Some(Action::Down)
        );
        assert_eq!(
            km.lookup(Mode::Normal, &Key::parse("j").unwrap()),
            Some(Action::Down)
        );
        assert_eq!(km.apply_toml("[[[").len(), 1);
    }
}
