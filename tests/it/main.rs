//! One integration-test binary (links SQLCipher and OpenSSL once). Each area is a module.

#[macro_use]
mod backends;
mod common;

mod chart_edit;
mod cli_bad_input;
mod cli_basics;
mod crypt;
mod crypt_slots;
mod harden_audit;
mod harden_backup;
mod harden_entry;
mod harden_errors;
mod house_rules;
mod print;
mod search_engine;
mod search_quality;
mod sec_access;
mod sec_audit;
mod sec_escapes;
mod sec_matrix;
mod sec_rights;
mod sec_support;
mod serve_process;
mod serve_protocol;
mod serve_remote;
mod shared_server;
mod sqld;
mod sqld_cases;
mod store_contract;
mod tui;
