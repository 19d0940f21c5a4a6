//! Colours by meaning. A theme file names styles for semantic roles; a role it leaves out
//! falls back to its parent role. Built-in themes are compiled in; a file of the same name in
//! `<config dir>/themes/` replaces one. `NO_COLOR` keeps the emphasis and drops the colours.

use std::collections::HashMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// What a piece of the screen means; themes style meanings, not widgets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Base,
    Muted,
    Accent,
    Selection,
    Border,
    BorderFocused,
    Title,
    Header,
    Key,
    Status,
    StatusMode,
    Error,
    Warning,
    Ok,
    Flagged,
    Restricted,
    Input,
}

impl Role {
    pub const ALL: [Role; 17] = [
        Role::Base,
        Role::Muted,
        Role::Accent,
        Role::Selection,
        Role::Border,
        Role::BorderFocused,
        Role::Title,
        Role::Header,
        Role::Key,
        Role::Status,
        Role::StatusMode,
        Role::Error,
        Role::Warning,
        Role::Ok,
        Role::Flagged,
        Role::Restricted,
        Role::Input,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Base => "base",
            Role::Muted => "muted",
            Role::Accent => "accent",
            Role::Selection => "selection",
            Role::Border => "border",
            Role::BorderFocused => "border_focused",
            Role::Title => "title",
            Role::Header => "header",
            Role::Key => "key",
            Role::Status => "status",
            Role::StatusMode => "status_mode",
            Role::Error => "error",
            Role::Warning => "warning",
            Role::Ok => "ok",
            Role::Flagged => "flagged",
            Role::Restricted => "restricted",
            Role::Input => "input",
        }
    }

    /// The role used when a theme does not style this one.
    pub fn parent(self) -> Option<Role> {
        Some(match self {
            Role::Base => return None,
            Role::BorderFocused => Role::Accent,
            Role::Title | Role::Header | Role::Key | Role::StatusMode => Role::Accent,
            Role::Restricted => Role::Error,
            Role::Flagged => Role::Warning,
            Role::Input => Role::Base,
            Role::Status => Role::Base,
            _ => Role::Base,
        })
    }
}

/// A style as written in a theme file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    reverse: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    dim: bool,
}

/// The 16 ANSI colour names (they follow the terminal's own palette).
pub const ANSI: [&str; 17] = [
    "reset",
    "black",
    "red",
    "green",
    "yellow",
    "blue",
    "magenta",
    "cyan",
    "gray",
    "darkgray",
    "lightred",
    "lightgreen",
    "lightyellow",
    "lightblue",
    "lightmagenta",
    "lightcyan",
    "white",
];

/// Parses an ANSI name, `#rrggbb` or 0–255.
pub fn parse_color(s: &str) -> Option<Color> {
    let t = s.trim().to_ascii_lowercase().replace(['_', '-', ' '], "");
    if let Some(hex) = t.strip_prefix('#') {
        if hex.len() != 6 {
            return None;
        }
        let v = u32::from_str_radix(hex, 16).ok()?;
        return Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    if let Ok(n) = t.parse::<u8>() {
        return Some(Color::Indexed(n));
    }
    Some(match t.as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
}

/// Built-in themes, compiled in.
pub const BUILT_IN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("monochrome", include_str!("../../themes/monochrome.toml")),
];

#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    styles: HashMap<Role, Style>,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::parse("default", BUILT_IN[0].1).unwrap_or_else(|_| Theme {
            name: "default".into(),
            styles: HashMap::new(),
        })
    }
}

impl Theme {
    /// Parses theme TOML: `role = "colour"` or `role = { fg, bg, bold, reverse, underline }`.
    pub fn parse(name: &str, text: &str) -> Result<Theme, String> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            e.message()
                .lines()
                .next()
                .unwrap_or("syntax error")
                .to_string()
        })?;
        let mut styles = HashMap::new();
        for (key, value) in table {
            let role = Role::ALL
                .into_iter()
                .find(|r| r.name() == key)
                .ok_or_else(|| {
                    format!(
                        "\"{}\" is not a theme role",
                        crate::domain::Text::from(key.as_str())
                    )
                })?;
            let spec = match value {
                toml::Value::String(fg) => Spec {
                    fg: Some(fg),
                    ..Default::default()
                },
                other => other
                    .try_into::<Spec>()
                    .map_err(|e| format!("{key}: {}", e.message()))?,
            };
            styles.insert(role, to_style(&key, &spec)?);
        }
        Ok(Theme {
            name: name.to_string(),
            styles,
        })
    }

    /// The style of a role, walking up to its parents when the theme leaves it out.
    pub fn style(&self, role: Role) -> Style {
        let mut r = Some(role);
        while let Some(x) = r {
            if let Some(s) = self.styles.get(&x) {
                return *s;
            }
            r = x.parent();
        }
        Style::default()
    }

    /// The same emphasis without colours (for `NO_COLOR`); the selection stays visible.
    pub fn without_colors(mut self) -> Theme {
        for s in self.styles.values_mut() {
            s.fg = None;
            s.bg = None;
        }
        let sel = self.style(Role::Selection);
        if !sel.add_modifier.contains(Modifier::REVERSED) {
            self.styles
                .insert(Role::Selection, sel.add_modifier(Modifier::REVERSED));
        }
        self
    }

    /// Loads a theme by name: the user's file in `<dir>/themes/<name>.toml` first, then a
    /// built-in. Problems come back as messages and the default theme is used.
    pub fn load(name: &str, dir: &Path, no_color: bool) -> (Theme, Vec<String>) {
        let mut problems = Vec::new();
        let safe = crate::domain::Text::from(name);
        let user = (!name.contains(['/', '\\', '.']) && !name.is_empty())
            .then(|| dir.join("themes").join(format!("{name}.toml")))
            .and_then(|p| std::fs::read_to_string(p).ok());
        let theme = match user {
            Some(text) => match Theme::parse(name, &text) {
                Ok(t) => Some(t),
                Err(e) => {
                    problems.push(format!(
                        "theme \"{safe}\" has a mistake ({e}); using the default theme"
                    ));
                    None
                }
            },
            None => match BUILT_IN.iter().find(|(n, _)| *n == name) {
                Some((n, text)) => Theme::parse(n, text).ok(),
                None => {
                    problems.push(format!(
                        "there is no theme \"{safe}\" (try default, light, high-contrast, monochrome); using the default"
                    ));
                    None
                }
            },
        };
        let theme = theme.unwrap_or_default();
        (
            if no_color {
                theme.without_colors()
            } else {
                theme
            },
            problems,
        )
    }
}

fn to_style(role: &str, s: &Spec) -> Result<Style, String> {
    let colour = |c: &Option<String>| -> Result<Option<Color>, String> {
        c.as_deref()
            .map(|v| {
                parse_color(v).ok_or_else(|| {
                    format!(
                        "{role}: \"{}\" is not a colour",
                        crate::domain::Text::from(v)
                    )
                })
            })
            .transpose()
    };
    let mut st = Style::default();
    if let Some(c) = colour(&s.fg)? {
        st = st.fg(c);
    }
    if let Some(c) = colour(&s.bg)? {
        st = st.bg(c);
    }
    let mut m = Modifier::empty();
    for (on, flag) in [
        (s.bold, Modifier::BOLD),
        (s.reverse, Modifier::REVERSED),
        (s.underline, Modifier::UNDERLINED),
        (s.italic, Modifier::ITALIC),
        (s.dim, Modifier::DIM),
    ] {
        if on {
            m |= flag;
        }
    }
    Ok(st.add_modifier(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_ins_parse_and_follow_their_rules() {
        for (name, text) in BUILT_IN {
            let t = Theme::parse(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
            for r in Role::ALL {
                let _ = t.style(r);
            }
        }
        let mono: toml::Table = BUILT_IN[3].1.parse().unwrap();
        assert!(
            !BUILT_IN[3].1.contains("fg") && !BUILT_IN[3].1.contains("bg"),
            "{mono:?}"
        );
        // default: ANSI names only
        let def: toml::Table = BUILT_IN[0].1.parse().unwrap();
        for (_, v) in def {
            let t = v.as_table().cloned().unwrap_or_default();
            for key in ["fg", "bg"] {
                if let Some(c) = t.get(key).and_then(|c| c.as_str()) {
                    assert!(ANSI.contains(&c), "{c} is not an ANSI name");
                }
            }
            if let Some(c) = v.as_str() {
                assert!(ANSI.contains(&c));
            }
        }
    }

    #[test]
    fn fallback_and_errors() {
        let t = Theme::parse("x", "accent = \"red\"").unwrap();
        assert_eq!(t.style(Role::Title).fg, Some(Color::Red));
        assert!(Theme::parse("x", "accent = \"purplish\"").is_err());
        assert!(Theme::parse("x", "nonsense = \"red\"").is_err());
        assert!(Theme::parse("x", "[[").is_err());
        let (t, p) = Theme::load("no-such", Path::new("/nonexistent"), false);
        assert_eq!(t.name, "default");
        assert_eq!(p.len(), 1);
        let (t, _) = Theme::load("light", Path::new("/nonexistent"), true);
        assert_eq!(t.style(Role::Accent).fg, None);
        assert!(
            t.style(Role::Selection)
                .add_modifier
                .contains(Modifier::REVERSED)
        );
    }
}
