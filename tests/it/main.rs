//! One integration-test binary (links SQLCipher and OpenSSL once). Each area is a module.

mod common;

mod cli_basics;
mod tui_keys;
mod tui_snapshots;
mod tui_support;
mod tui_tmux;
