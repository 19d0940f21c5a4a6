//! The closed set of things a key can do. The doc comment of each variant is its help text
//! (shown in the help overlay, the footer and the command palette); the snake_case name is
//! what `keymap.toml` and the palette use.

use serde::{Deserialize, Serialize};

macro_rules! actions {
    ($( #[doc = $desc:literal] $name:ident, )*) => {
        /// Everything a key or a palette command can ask for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Action {
            $( #[doc = $desc] $name, )*
        }

        impl Action {
            /// Every action, in help order.
            pub const ALL: &'static [Action] = &[$(Action::$name,)*];

            /// The help text (the variant's doc comment).
            pub fn desc(self) -> &'static str {
                match self {
                    $( Action::$name => $desc.trim(), )*
                }
            }

            /// The CamelCase variant name, turned into the snake_case name used in files.
            pub fn name(self) -> String {
                let camel = match self {
                    $( Action::$name => stringify!($name), )*
                };
                snake(camel)
            }
        }
    };
}

fn snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

actions! {
    /// Quit chartroom
    Quit,
    /// Suspend to the shell (resume with fg)
    Suspend,
    /// Show or hide this help
    Help,
    /// Open the command palette
    Palette,
    /// Redraw the whole screen
    Redraw,
    /// Lock the screen now (clears patient data from it)
    Lock,
    /// Next pane
    NextPane,
    /// Previous pane
    PrevPane,
    /// Go to the Patients pane
    PanePatients,
    /// Go to the Chart pane
    PaneChart,
    /// Go to the Coding pane
    PaneCoding,
    /// Go to the Requests pane
    PaneRequests,
    /// Go to the Reports pane
    PaneReports,
    /// Go to the Audit pane
    PaneAudit,
    /// Type in the search box
    FocusSearch,
    /// Leave the text field (keys become commands)
    LeaveField,
    /// Clear the search box
    ClearSearch,
    /// Open the selected patient or document
    Open,
    /// Back / close
    Back,
    /// Move down
    Down,
    /// Move up
    Up,
    /// Half a page down
    HalfPageDown,
    /// Half a page up
    HalfPageUp,
    /// Page down
    PageDown,
    /// Page up
    PageUp,
    /// Go to the first line
    Top,
    /// Go to the last line
    Bottom,
    /// Scroll the chart details down
    ScrollDown,
    /// Scroll the chart details up
    ScrollUp,
    /// Mark the selected privacy alert reviewed (Audit pane, after :alerts)
    ReviewAlert,
    /// Run the selected command
    Confirm,
}

/// The six panes, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Patients,
    Chart,
    Coding,
    Requests,
    Reports,
    Audit,
}

impl Pane {
    pub const ALL: [Pane; 6] = [
        Pane::Patients,
        Pane::Chart,
        Pane::Coding,
        Pane::Requests,
        Pane::Reports,
        Pane::Audit,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Patients => "Patients",
            Pane::Chart => "Chart",
            Pane::Coding => "Coding",
            Pane::Requests => "Requests",
            Pane::Reports => "Reports",
            Pane::Audit => "Audit",
        }
    }

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn from_index(i: usize) -> Pane {
        Pane::ALL[i % Pane::ALL.len()]
    }

    /// The action that jumps to this pane.
    pub fn action(self) -> Action {
        match self {
            Pane::Patients => Action::PanePatients,
            Pane::Chart => Action::PaneChart,
            Pane::Coding => Action::PaneCoding,
            Pane::Requests => Action::PaneRequests,
            Pane::Reports => Action::PaneReports,
            Pane::Audit => Action::PaneAudit,
        }
    }

    pub fn for_action(a: Action) -> Option<Pane> {
        Pane::ALL.into_iter().find(|p| p.action() == a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde() {
        for a in Action::ALL {
            let s = serde_json::to_value(a).unwrap();
            assert_eq!(s.as_str().unwrap(), a.name());
            assert!(!a.desc().is_empty());
        }
    }
}
