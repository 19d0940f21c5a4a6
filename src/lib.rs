//! chartroom: a keyboard-driven terminal application for health-information technicians.
//!
//! Layers: `domain` (pure rules) ← `store` (SQLite) ← `search` ← `service` (permissions and
//! audit) ← `cli` and the TUI. `domain` and `store` never touch the terminal.

pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod print;
pub mod search;
pub mod secrets;
pub mod serve;
pub mod service;
pub mod store;
pub mod text;
pub mod tui;
