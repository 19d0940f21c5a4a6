//! The screens: state, actions, `update`, the event loop, keymap, themes, panes and widgets.
//! The TUI never writes SQL: every read goes through `service`, which checks permissions and
//! writes the audit row; the only calls to it are in `worker.rs` and each pane's `store.rs`,
//! run on the worker threads.
//!
//! - `panes/`: one folder per pane behind the small [`panes::Pane`] trait, one line each in
//!   the registry (`panes/mod.rs`); `update.rs` keeps the app's own actions, the overlays
//!   (`overlay.rs`), forms, chords and the dispatch.
//! - `widgets/`: the one text field (`field.rs`) every editor uses, the form, the popups.
//! - `worker.rs`: the store lane and the job lane; `jobs.rs`: the gauge and cancel.
//! - `keymap/`: sections per mode and per pane, chords; `probe.rs`: what tests may see.

pub mod action;
pub mod jobs;
pub mod keymap;
pub mod lock;
pub mod overlay;
pub mod palette;
pub mod panes;
pub mod probe;
pub mod question;
pub mod runtime;
pub mod settings;
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
