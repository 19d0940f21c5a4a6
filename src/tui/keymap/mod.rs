//! Keys → actions, per section. Defaults in `defaults.rs`; `keymap.toml` in the config
//! directory overrides them entry by entry. A bad entry is reported (shown in the status bar)
//! and the default kept.
//!
//! A section is a mode (`[global]`, `[normal]`, `[search]`, `[document]`, `[help]`,
//! `[palette]`, `[form]`) or a pane (`[patients]`, `[chart]`, `[coding]`, `[requests]`,
//! `[reports]`, `[audit]`). In a pane the pane's own section is looked up first, then
//! `[normal]`, then `[global]`; so a pane's keys work only in it. A binding may be a chord of
//! two keys (`"g g" = "top"`): the first key shows what can follow, with no timer.
//!
//! ```toml
//! [normal]
//! "ctrl-j" = "down"
//! [audit]
//! "x" = "review_alert"
//! [global]
//! "f10" = "quit"
//! ```

mod defaults;
mod key;

use std::collections::BTreeMap;
use std::path::Path;

pub use key::{Chord, Key, KeyCodeOrd};

use super::action::{Action, PaneId};

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
    /// A form's fields.
    Form,
    /// A question ("Quit chartroom? [y/N]"): `y` or No. Not a keymap section.
    Confirm,
}

impl Mode {
    pub const ALL: [Mode; 9] = [
        Mode::Global,
        Mode::Normal,
        Mode::Search,
        Mode::Document,
        Mode::Help,
        Mode::Palette,
        Mode::Glass,
        Mode::Lock,
        Mode::Form,
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
            Mode::Form => "form",
            Mode::Confirm => "confirm",
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
            Mode::Form => "EDIT",
            Mode::Confirm => "CONFIRM",
        }
    }

    /// Modes whose focus is a text field: every printable key is text there.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Mode::Search | Mode::Palette | Mode::Glass | Mode::Lock | Mode::Form | Mode::Confirm
        )
    }
}

/// A keymap section: a mode, or a pane's own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Mode(Mode),
    Pane(PaneId),
}

impl Section {
    pub fn name(self) -> &'static str {
        match self {
            Section::Mode(m) => m.name(),
            Section::Pane(p) => p.name(),
        }
    }

    fn parse(s: &str) -> Option<Section> {
        Mode::ALL
            .into_iter()
            .map(Section::Mode)
            .chain(PaneId::ALL.iter().map(|p| Section::Pane(*p)))
            .find(|x| x.name() == s)
    }

    fn is_text(self) -> bool {
        matches!(self, Section::Mode(m) if m.is_text())
    }
}

/// What a key means where it was pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    Action(Action),
    /// The first key of a chord: wait for the next.
    Prefix,
    None,
}

/// The live keymap: per section, chord → action.
#[derive(Debug, Clone)]
pub struct Keymap {
    maps: BTreeMap<Section, BTreeMap<Chord, Action>>,
}

/// The sections looked up, in order, for a mode on a pane: in a pane's normal mode its own
/// section, then `[normal]`; in any other mode that mode's; `[global]` last.
pub fn chain(mode: Mode, pane: PaneId) -> impl Iterator<Item = Section> {
    let own_pane = (mode == Mode::Normal).then_some(Section::Pane(pane));
    let own_mode = (mode != Mode::Global).then_some(Section::Mode(mode));
    own_pane
        .into_iter()
        .chain(own_mode)
        .chain(std::iter::once(Section::Mode(Mode::Global)))
}

impl Keymap {
    /// The action for one key in a mode and its global fallback (no pane, no chords).
    /// In a text mode a printable key is never looked up: it is text.
    pub fn lookup(&self, mode: Mode, key: &Key) -> Option<Action> {
        if mode.is_text() && key.is_printable() {
            return None;
        }
        [Section::Mode(mode), Section::Mode(Mode::Global)]
            .iter()
            .find_map(|s| self.maps.get(s)?.get(&Chord::one(*key)).copied())
    }

    /// What `key` means in `mode` on `pane`, after `prefix` (the first key of a chord).
    pub fn find(&self, mode: Mode, pane: PaneId, prefix: Option<Key>, key: &Key) -> Found {
        if prefix.is_none() && mode.is_text() && key.is_printable() {
            return Found::None;
        }
        for s in chain(mode, pane) {
            let Some(m) = self.maps.get(&s) else {
                continue;
            };
            match prefix {
                Some(p) => {
                    if let Some(a) = m.get(&Chord(p, Some(*key))) {
                        return Found::Action(*a);
                    }
                }
                None => {
                    if let Some(a) = m.get(&Chord::one(*key)) {
                        return Found::Action(*a);
                    }
                    if m.keys().any(|c| c.0 == *key && c.1.is_some()) {
                        return Found::Prefix;
                    }
                }
            }
        }
        Found::None
    }

    /// The chords that start with `prefix` where it was pressed (the which-key hint).
    pub fn continuations(&self, mode: Mode, pane: PaneId, prefix: Key) -> Vec<(Chord, Action)> {
        chain(mode, pane)
            .filter_map(|s| self.maps.get(&s))
            .flat_map(|m| m.iter())
            .filter(|(c, _)| c.0 == prefix && c.1.is_some())
            .map(|(c, a)| (*c, *a))
            .collect()
    }

    /// Every chord bound to `action` in `mode` on `pane` (the first section that has one).
    pub fn keys_for(&self, mode: Mode, pane: PaneId, action: Action) -> Vec<Chord> {
        for s in chain(mode, pane) {
            let out: Vec<Chord> = self
                .maps
                .get(&s)
                .into_iter()
                .flat_map(|m| m.iter())
                .filter(|(_, a)| **a == action)
                .map(|(k, _)| *k)
                .collect();
            if !out.is_empty() {
                return out;
            }
        }
        Vec::new()
    }

    /// The first key for `action`, as shown in hints.
    pub fn hint(&self, mode: Mode, pane: PaneId, action: Action) -> Option<String> {
        let keys = self.keys_for(mode, pane, action);
        // Prefer a named plain key (Enter, Esc, ↓), then a plain character, then the rest.
        let single = |k: &&Chord| k.1.is_none();
        keys.iter()
            .filter(single)
            .find(|k| k.0.is_plain_named())
            .or_else(|| {
                keys.iter()
                    .filter(single)
                    .find(|k| k.0.mods == 0 && matches!(k.0.code, KeyCodeOrd::Named(_)))
            })
            .or_else(|| keys.iter().filter(single).find(|k| k.0.mods == 0))
            .or(keys.first())
            .map(|k| k.to_string())
    }

    /// Bindings of one section, grouped by action in help order.
    pub fn bindings(&self, s: Section) -> Vec<(Action, Vec<Chord>)> {
        let Some(m) = self.maps.get(&s) else {
            return Vec::new();
        };
        Action::all()
            .filter_map(|a| {
                let keys: Vec<Chord> = m
                    .iter()
                    .filter(|(_, b)| **b == a)
                    .map(|(k, _)| *k)
                    .collect();
                (!keys.is_empty()).then_some((a, keys))
            })
            .collect()
    }

    /// Applies overrides from TOML text; returns one message per bad entry (the default for
    /// that entry is kept). A key the user binds in `[normal]` wins over a pane's default
    /// for the same key, as it did before panes had sections.
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
        let mut sections: Vec<(Section, String, toml::Value)> = Vec::new();
        for (name, entries) in table {
            match Section::parse(&name) {
                Some(s) => sections.push((s, name, entries)),
                None => problems.push(format!(
                    "keymap.toml: [{}] is not a section (use global, normal, search, document, \
                     help, palette, form, or a pane: patients, chart, coding, requests, reports, audit)",
                    crate::domain::Text::from(name.as_str())
                )),
            }
        }
        // Modes first, then panes: a pane's own user entries win over [normal] ones.
        sections.sort_by_key(|(s, _, _)| matches!(s, Section::Pane(_)));
        for (section, name, entries) in sections {
            let Some(entries) = entries.as_table() else {
                problems.push(format!(
                    "keymap.toml: [{name}] should hold key = \"action\" lines"
                ));
                continue;
            };
            for (key, action) in entries {
                match parse_entry(section, key, action) {
                    Ok((chord, action)) => {
                        if section == Section::Mode(Mode::Normal) {
                            for (s, m) in self.maps.iter_mut() {
                                if matches!(s, Section::Pane(_)) {
                                    m.remove(&chord);
                                }
                            }
                        }
                        self.maps.entry(section).or_default().insert(chord, action);
                    }
                    Err(e) => problems.push(format!("keymap.toml [{name}]: {e}; default kept")),
                }
            }
        }
        problems
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

fn parse_entry(
    section: Section,
    key: &str,
    action: &toml::Value,
) -> Result<(Chord, Action), String> {
    let k = Chord::parse(key)?;
    let name = action
        .as_str()
        .ok_or_else(|| format!("the action for \"{key}\" should be a quoted name"))?;
    let a = Action::from_name(name).ok_or_else(|| {
        format!(
            "\"{}\" is not an action (see the help, F1, for their names)",
            crate::domain::Text::from(name)
        )
    })?;
    let global = section == Section::Mode(Mode::Global);
    if (section.is_text() || global) && (k.0.is_printable()) {
        return Err(format!(
            "\"{key}\" types text in the {} mode; bind a Ctrl-, Alt- or F-key there",
            section.name()
        ));
    }
    Ok((k, a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::action::Step;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn ev(code: KeyCode, m: KeyModifiers) -> Key {
        Key::from_event(&KeyEvent::new(code, m)).unwrap()
    }

    fn key(s: &str) -> Key {
        Key::parse(s).unwrap()
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
            km.lookup(Mode::Search, &key("alt-2")),
            Some(Action::Go(PaneId::Chart))
        );
        assert_eq!(km.lookup(Mode::Normal, &key("q")), Some(Action::Quit));
    }

    #[test]
    fn pane_keys_work_only_in_their_pane_and_fall_back_to_normal() {
        let km = Keymap::default();
        let r = key("r");
        let found = |p| km.find(Mode::Normal, p, None, &r);
        assert_eq!(found(PaneId::Audit), Found::Action(Action::ReviewAlert));
        assert_eq!(found(PaneId::Patients), Found::None);
        assert_eq!(
            km.find(Mode::Normal, PaneId::Audit, None, &key("j")),
            Found::Action(Action::Move(Step::Down))
        );
        // g g: the first g waits, the second goes to the top
        let g = key("g");
        assert_eq!(
            km.find(Mode::Normal, PaneId::Chart, None, &g),
            Found::Prefix
        );
        assert_eq!(
            km.find(Mode::Normal, PaneId::Chart, Some(g), &g),
            Found::Action(Action::Move(Step::Top))
        );
        assert_eq!(km.continuations(Mode::Normal, PaneId::Chart, g).len(), 1);
    }

    #[test]
    fn bad_entries_are_reported_and_defaults_kept() {
        let mut km = Keymap::default();
        let p = km.apply_toml("[normal]\n\"ctrl-j\" = \"down\"\n\"x\" = \"fly\"\n\"hyper-q\" = \"quit\"\n[search]\n\"a\" = \"quit\"\n[nope]\n");
        assert_eq!(p.len(), 4, "{p:?}");
        let down = Found::Action(Action::Move(Step::Down));
        assert_eq!(
            km.find(Mode::Normal, PaneId::Patients, None, &key("ctrl-j")),
            down
        );
        assert_eq!(
            km.find(Mode::Normal, PaneId::Patients, None, &key("j")),
            down
        );
        assert_eq!(km.apply_toml("[[[").len(), 1);
    }

    #[test]
    fn old_user_files_keep_working() {
        let mut km = Keymap::default();
        let p = km.apply_toml(
            "[normal]\n\"g\" = \"top\"\n\"J\" = \"down\"\n\"r\" = \"review_alert\"\n[audit]\n\"x\" = \"review_alert\"\n",
        );
        assert!(p.is_empty(), "{p:?}");
        let top = Found::Action(Action::Move(Step::Top));
        assert_eq!(km.find(Mode::Normal, PaneId::Chart, None, &key("g")), top);
        assert_eq!(
            km.find(Mode::Normal, PaneId::Chart, None, &key("J")),
            Found::Action(Action::Move(Step::Down)),
            "the user's [normal] key wins over the pane's default"
        );
        assert_eq!(
            km.find(Mode::Normal, PaneId::Patients, None, &key("r")),
            Found::Action(Action::ReviewAlert)
        );
        assert_eq!(
            km.find(Mode::Normal, PaneId::Audit, None, &key("x")),
            Found::Action(Action::ReviewAlert)
        );
    }
}
