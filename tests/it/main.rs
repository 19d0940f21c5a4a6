//! One integration-test binary (links SQLCipher and OpenSSL once). Each area is a module.

mod common;

mod cli_basics;

mod sec_access;
mod sec_audit;
mod sec_matrix;
mod sec_support;
