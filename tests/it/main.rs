//! One integration-test binary (links SQLCipher and OpenSSL once). Each area is a module.

mod common;

mod cli_bad_input;
mod cli_basics;
mod crypt;
mod crypt_slots;
mod search_engine;
mod search_quality;
mod sec_access;
mod sec_audit;
mod sec_matrix;
mod sec_support;
mod tui_audit;
mod tui_audit_views;
mod tui_fixtures;
mod tui_keys;
mod tui_lock;
mod tui_snapshots;
mod tui_support;
mod tui_tmux;
