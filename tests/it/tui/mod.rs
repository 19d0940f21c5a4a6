//! The screens: key sequences through `update`, snapshots, the lock, the Audit pane, every
//! pane as a unit, the job lane, forms, and the real binary in tmux.

mod audit;
mod audit_views;
mod fixtures;
mod forms;
mod jobs;
mod keys;
mod link;
mod lock;
mod panes;
mod snapshots;
pub mod support;
mod tmux;
mod tmux_serve;
