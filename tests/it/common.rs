//! Shared test helpers: a fresh temp folder, a seeded demo store, and the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::AtomicBool;

use chartroom::service::{Clock, Conn, Service, demo, identity};

pub const SEED: u64 = 42;

/// A temporary folder removed at the end of the test.
pub fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("chartroom-test")
        .tempdir()
        .expect("temp dir")
}

/// The OS login the tests run as (mapped to the demo administrator).
pub fn me() -> String {
    identity::os_login().expect("an OS login")
}

/// Builds a demo store of `n` patients from `SEED` in `dir`.
pub fn demo_store(dir: &Path, n: usize) -> PathBuf {
    let p = dir.join("demo.db");
    demo::build(
        &p,
        n,
        SEED,
        Clock::fixed(2026, 11, 26),
        &me(),
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .expect("demo store");
    p
}

/// A service on `path` acting as the OS login, with a fixed clock (what the screens and the
/// shell hold).
pub fn service(path: &Path) -> Conn {
    Conn::from(local_service(path))
}

/// The service itself, for what runs only beside the store (backups, keys).
pub fn local_service(path: &Path) -> Service {
    Service::open(&path.into(), Clock::fixed(2026, 11, 26)).expect("open service")
}

/// Runs the real `chartroom` binary with `args` against `db`.
pub fn run(db: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CHARTROOM_DB")
        .env(
            "CHARTROOM_SYSTEM_CONFIG",
            "/nonexistent/chartroom-tests.toml",
        )
        .output()
        .expect("run chartroom")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
