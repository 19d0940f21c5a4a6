//! The screens: state, actions, `update`, the event loop, keymap, themes, panes and widgets.
//! The TUI never writes SQL: every read goes through `service`, which checks permissions and
//! writes the audit row.

pub mod action;
pub mod jobs;
pub mod keymap;
pub mod lock;
pub mod overlay;
pub mod palette;
pub mod panes;
pub mod probe;
pub mod runtime;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;
pub mod widgets;
pub mod worker;

pub use action::{Action, PaneId, Step};
pub use keymap::{Keymap, Mode};
pub use runtime::{Options, run, run_with};
pub use state::{Effect, Msg, Reply, Req, State};
pub use theme::Theme;
pub use update::update;
pub use view::{draw, render};
