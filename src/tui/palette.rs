//! The `:` command palette: fuzzy search over every action, plus commands that take an
//! argument (`theme light`, `open 10004217`).

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use super::action::{Action, PaneId};
use super::theme::BUILT_IN;
use super::widgets::field::TextField;

/// What a palette entry does when run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run(Action),
    Theme(String),
    Open(String),
    /// Who looked at the record with this MRN (the Audit pane).
    Audit(String),
    /// One user's activity (the Audit pane).
    AuditUser(String),
    /// The privacy alerts (the Audit pane).
    Alerts,
    /// Puts this text in the palette to be finished (`open ` waits for the MRN).
    Fill(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What is typed to find it (e.g. `quit`, `theme light`).
    pub label: crate::domain::Text,
    pub desc: crate::domain::Text,
    pub command: Command,
}

impl Command {
    /// The pane that runs this command, when one does.
    pub fn pane(&self) -> Option<PaneId> {
        match self {
            Command::Audit(_) | Command::AuditUser(_) | Command::Alerts => Some(PaneId::Audit),
            Command::Open(_) => Some(PaneId::Chart),
            Command::Run(_) | Command::Theme(_) | Command::Fill(_) => None,
        }
    }
}

/// The longest command the palette takes.
pub const MAX_INPUT: usize = 100;

/// The palette's text field and the selected entry.
#[derive(Debug)]
pub struct PaletteState {
    pub input: TextField,
    pub selected: usize,
}

impl Default for PaletteState {
    fn default() -> Self {
        PaletteState {
            input: TextField::new(MAX_INPUT),
            selected: 0,
        }
    }
}

/// Actions that make no sense as a command (they only exist inside other modes).
fn listed(a: Action) -> bool {
    !matches!(
        a,
        Action::Confirm
            | Action::Palette
            | Action::LeaveField
            | Action::NextField
            | Action::PrevField
            | Action::Save
    )
}

fn fixed_items() -> Vec<Item> {
    let mut v: Vec<Item> = Action::all()
        .filter(|a| listed(*a))
        .map(|a| Item {
            label: a.words().into_owned().into(),
            desc: a.desc().into_owned().into(),
            command: Command::Run(a),
        })
        .collect();
    for (name, _) in BUILT_IN {
        v.push(Item {
            label: format!("theme {name}").into(),
            desc: format!("Use the {name} theme").into(),
            command: Command::Theme(name.to_string()),
        });
    }
    for (label, fill, desc) in [
        ("open MRN", "open ", "Open the chart with this MRN"),
        (
            "audit MRN",
            "audit ",
            "Who looked at the record with this MRN",
        ),
        (
            "audit-user NAME",
            "audit-user ",
            "What one user did (their audit rows)",
        ),
    ] {
        v.push(Item {
            label: label.into(),
            desc: desc.into(),
            command: Command::Fill(fill.into()),
        });
    }
    v.push(Item {
        label: "alerts".into(),
        desc: "Privacy alerts: restricted records opened, waiting for review".into(),
        command: Command::Alerts,
    });
    v
}

/// The entries matching what was typed, best first.
pub fn matches(input: &str) -> Vec<Item> {
    let input = input.trim();
    let mut out = Vec::new();
    // A command with an argument, typed in full, comes first.
    if let Some((cmd, arg)) = input.split_once(char::is_whitespace) {
        let arg = arg.trim();
        match cmd {
            "open" if !arg.is_empty() => out.push(Item {
                label: format!("open {arg}").into(),
                desc: "Open the chart with this MRN".into(),
                command: Command::Open(arg.to_string()),
            }),
            "audit-user" if !arg.is_empty() => out.push(Item {
                label: format!("audit-user {arg}").into(),
                desc: "What this user did (their audit rows)".into(),
                command: Command::AuditUser(arg.to_string()),
            }),
            "audit" if !arg.is_empty() => out.push(Item {
                label: format!("audit {arg}").into(),
                desc: "Who looked at the record with this MRN".into(),
                command: Command::Audit(arg.to_string()),
            }),
            "theme" if !arg.is_empty() && !BUILT_IN.iter().any(|(n, _)| *n == arg) => {
                out.push(Item {
                    label: format!("theme {arg}").into(),
                    desc: "Use this theme (from your config folder)".into(),
                    command: Command::Theme(arg.to_string()),
                })
            }
            _ => {}
        }
    }
    let items = fixed_items();
    if input.is_empty() {
        out.extend(items);
        return out;
    }
    let m = SkimMatcherV2::default();
    let mut scored: Vec<(i64, usize, Item)> = items
        .into_iter()
        .enumerate()
        .filter_map(|(i, it)| {
            let by_label = m.fuzzy_match(it.label.raw(), input).map(|s| s * 2);
            let by_desc = m.fuzzy_match(it.desc.raw(), input);
            by_label.max(by_desc).map(|s| (s, i, it))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    out.extend(scored.into_iter().map(|(_, _, it)| it));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_commands() {
        assert_eq!(matches("quit")[0].command, Command::Run(Action::Quit));
        assert_eq!(
            matches("theme light")[0].command,
            Command::Theme("light".into())
        );
        assert_eq!(
            matches("open 10004217")[0].command,
            Command::Open("10004217".into())
        );
        assert_eq!(
            matches("thm mono")[0].command,
            Command::Theme("monochrome".into())
        );
        assert_eq!(
            matches("audit-user roi")[0].command,
            Command::AuditUser("roi".into())
        );
        assert_eq!(matches("alerts")[0].command, Command::Alerts);
        assert_eq!(
            matches("go to chart")[0].command,
            Command::Run(Action::Go(PaneId::Chart))
        );
        assert!(
            matches("open")
                .iter()
                .take(3)
                .any(|it| it.command == Command::Fill("open ".into()))
        );
        for it in matches("") {
            assert!(!it.label.raw().contains('_'), "{:?}", it.label);
        }
        assert!(matches("zzzzqqq").is_empty());
        assert!(matches("").len() > 20);
    }
}
