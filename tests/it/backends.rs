//! The service-layer tests, once per backend: a test written as `fn name(b: Backend)` and
//! listed in `on_both!` runs against a store file and against a store on a real sqld (the
//! server half `#[ignore]`d: .ci/run starts the pinned sqld and runs it with
//! `--include-ignored`). A server store is the same demo built as a file, then copied onto
//! the server with `store::transfer::copy` (through the `Store` interface, as
//! `chartroom store copy` does).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chartroom::service::{Clock, Service};
use chartroom::store::{self, OpenMode, Store};

use super::sqld::Sqld;

/// Which engine a parameterised test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    File,
    Server,
}

/// A store a test works on: a file, or a sqld with a read-write token.
#[derive(Clone)]
pub enum Db {
    File(PathBuf),
    Server { sqld: Arc<Sqld>, token: String },
}

impl Db {
    /// A new connection to the store, migrated.
    pub fn open(&self) -> Box<dyn Store> {
        match self {
            Db::File(p) => {
                Box::new(store::open_file(p, OpenMode::Existing, None).expect("open file"))
            }
            Db::Server { sqld, token } => Box::new(
                store::open_server(&sqld.url, token, OpenMode::Existing).expect("open server"),
            ),
        }
    }

    /// A service on it acting as `login`.
    pub fn service_as(&self, login: &str) -> Result<Service, chartroom::service::ServiceError> {
        Service::with_db(self.open(), Clock::fixed(2026, 11, 26), login)
    }

    /// Runs statements behind the service's back (setting up, tampering).
    pub fn exec(&self, sql: &str) {
        self.open().execute_batch(sql).expect("exec");
    }

    /// The file, for the tests that need one (the CLI, rusqlite).
    pub fn path(&self) -> &Path {
        match self {
            Db::File(p) => p,
            Db::Server { .. } => panic!("this test step needs a store file"),
        }
    }
}

/// Anything a helper can reach a store through: a file path or a `Db`.
pub trait AsDb {
    fn db(&self) -> Db;
}

impl AsDb for Db {
    fn db(&self) -> Db {
        self.clone()
    }
}
impl AsDb for Path {
    fn db(&self) -> Db {
        Db::File(self.to_path_buf())
    }
}
impl AsDb for PathBuf {
    fn db(&self) -> Db {
        Db::File(self.clone())
    }
}
impl<T: AsDb + ?Sized> AsDb for &T {
    fn db(&self) -> Db {
        (**self).db()
    }
}

/// The store file `file` on `b`: as it is, or copied onto a sqld of the test folder's own.
pub fn on(b: Backend, dir: &Path, file: &Path) -> Db {
    match b {
        Backend::File => Db::File(file.to_path_buf()),
        Backend::Server => {
            let sqld = super::sqld::for_dir(dir);
            let token = sqld.rw();
            let src = store::open_file(file, OpenMode::Existing, None).expect("open demo file");
            let dst = store::open_server(&sqld.url, &token, OpenMode::Create).expect("server");
            if let Err(e) = store::transfer::copy(&src, &dst, &mut |_, _| {}) {
                let log = sqld.log();
                let tail: Vec<&str> = log.lines().rev().take(20).collect();
                panic!("copy onto the server: {e:?}; sqld's log ends: {tail:#?}");
            }
            Db::Server { sqld, token }
        }
    }
}

/// A seeded demo store of `n` patients on `b`.
pub fn demo_on(b: Backend, dir: &Path, n: usize) -> Db {
    let file = super::common::demo_store(dir, n);
    on(b, dir, &file)
}

/// A service on `db` as the OS login (the demo administrator), as `common::service` does.
pub fn service_on(db: &Db) -> chartroom::service::Conn {
    db.service_as(&super::common::me())
        .expect("open service")
        .into()
}

/// `count(*)`-style integer of the first row.
pub fn count_on(db: &Db, sql: &str) -> i64 {
    db.open().count(sql, &[]).expect("count")
}

/// One test per backend: `on_both!(name)` for `fn name(b: Backend)`.
macro_rules! on_both {
    ($($test:ident),* $(,)?) => {
        $(
            mod $test {
                #[test]
                fn file() {
                    super::$test(crate::backends::Backend::File)
                }
                #[test]
                #[ignore = "needs sqld: run through .ci/run"]
                fn sqld() {
                    super::$test(crate::backends::Backend::Server)
                }
            }
        )*
    };
}
