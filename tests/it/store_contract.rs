//! The store contract: what every backend behind `Store`/`Tx` must do, written once and run
//! for each backend (`contract!(name, opener)`): the local file, and a libSQL server (sqld,
//! `#[ignore]`d: .ci/run starts the pinned sqld and runs them with `--include-ignored`).

use std::path::Path;

use chartroom::domain::{Action, Outcome};
use chartroom::store::{
    self, Durability, OpenMode, Store, StoreError, Tx, audit::AuditEvent, read_tx, write_tx,
};

/// Opens (creating when asked) a migrated store of one backend at a place under `dir`;
/// called again, it opens another connection to the same store.
pub type Opener = fn(dir: &Path, mode: OpenMode) -> Result<Box<dyn Store>, StoreError>;

fn file_backend(dir: &Path, mode: OpenMode) -> Result<Box<dyn Store>, StoreError> {
    Ok(Box::new(store::open_file(
        &dir.join("contract.db"),
        mode,
        None,
    )?))
}

/// A store on a sqld of the test folder's own (started on first use), with a read-write token.
pub fn server_backend(dir: &Path, mode: OpenMode) -> Result<Box<dyn Store>, StoreError> {
    let s = super::sqld::for_dir(dir);
    Ok(Box::new(store::open_server(&s.url, &s.rw(), mode)?))
}

fn event(i: i64) -> AuditEvent {
    AuditEvent {
        username: "contract".into(),
        detail: Some(format!("n={i}")),
        ..AuditEvent::new("2026-11-26T12:00:00Z".into(), Action::Check, Outcome::Ok)
    }
}

fn scratch(db: &dyn Store) {
    db.execute_batch("CREATE TABLE IF NOT EXISTS scratch (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
        .expect("scratch table");
}

fn rows(db: &dyn Tx) -> i64 {
    db.count("SELECT count(*) FROM scratch", &[])
        .expect("count")
}

pub fn migrates_to_the_current_version_and_reopens(open: Opener) {
    let dir = super::common::tmp();
    let db = open(dir.path(), OpenMode::Create).expect("create");
    assert_eq!(db.schema_version().expect("version"), store::SCHEMA_VERSION);
    assert!(db.integrity_problems().expect("check").is_empty());
    drop(db);
    let again = open(dir.path(), OpenMode::Existing).expect("open");
    assert_eq!(
        again.schema_version().expect("version"),
        store::SCHEMA_VERSION
    );
    // Default grants are seeded by the migration.
    assert!(
        again
            .count("SELECT count(*) FROM role_permissions", &[])
            .expect("grants")
            > 20
    );
}

pub fn execute_returns_the_new_row_id_and_the_rows_changed(open: Opener) {
    let dir = super::common::tmp();
    let db = open(dir.path(), OpenMode::Create).expect("create");
    scratch(db.as_ref());
    let a = db
        .execute(
            "INSERT INTO scratch (v) VALUES (?)",
            chartroom::params!["a"],
        )
        .expect("insert");
    let b = db
        .execute(
            "INSERT INTO scratch (v) VALUES (?)",
            chartroom::params!["b"],
        )
        .expect("insert");
    assert_eq!((a.rows, b.rows), (1, 1));
    assert_eq!(b.id, a.id + 1);
    let u = db
        .execute("UPDATE scratch SET v = v || 'x'", &[])
        .expect("update");
    assert_eq!(u.rows, 2);
}

pub fn a_failed_write_leaves_nothing_behind(open: Opener) {
    let dir = super::common::tmp();
    let db = open(dir.path(), OpenMode::Create).expect("create");
    scratch(db.as_ref());
    let r: Result<(), StoreError> = write_tx(db.as_ref(), Durability::Full, |tx| {
        tx.execute("INSERT INTO scratch (v) VALUES ('kept?')", &[])?;
        Err(StoreError::Other("fails half-way".into()))
    });
    assert!(r.is_err());
    assert_eq!(rows(db.as_ref()), 0, "rolled back");
    write_tx(db.as_ref(), Durability::Relaxed, |tx| {
        tx.execute("INSERT INTO scratch (v) VALUES ('kept')", &[])
    })
    .expect("relaxed commit");
    drop(db);
    assert_eq!(
        rows(open(dir.path(), OpenMode::Existing).expect("open").as_ref()),
        1
    );
}

pub fn a_unique_clash_is_a_duplicate(open: Opener) {
    let dir = super::common::tmp();
    let db = open(dir.path(), OpenMode::Create).expect("create");
    scratch(db.as_ref());
    db.execute("INSERT INTO scratch (v) VALUES ('same')", &[])
        .expect("first");
    let e = db
        .execute("INSERT INTO scratch (v) VALUES ('same')", &[])
        .expect_err("second");
    assert!(matches!(e, StoreError::Duplicate(_)), "{e:?}");
}

pub fn reads_are_strict_about_types(open: Opener) {
    let dir = super::common::tmp();
    let db = open(dir.path(), OpenMode::Create).expect("create");
    let r = db
        .query_row("SELECT 'text', 7, NULL, x'00'", &[])
        .expect("query")
        .expect("row");
    assert!(matches!(r.int(0), Err(StoreError::BadValue { .. })));
    assert!(r.text(1).is_err());
    assert_eq!(r.opt_int(2).expect("null"), None);
    assert!(r.text(3).is_err());
    assert_eq!(r.int(1).expect("int"), 7);
}

pub fn a_read_is_one_snapshot(open: Opener) {
    let dir = super::common::tmp();
    let db = open(dir.path(), OpenMode::Create).expect("create");
    scratch(db.as_ref());
    let other = open(dir.path(), OpenMode::Existing).expect("open");
    let (before, after) = read_tx(db.as_ref(), |tx| {
        let before = rows(tx);
        other
            .execute("INSERT INTO scratch (v) VALUES ('meanwhile')", &[])
            .expect("a writer is never blocked by a reader");
        Ok((before, rows(tx)))
    })
    .expect("read");
    assert_eq!((before, after), (0, 0), "the snapshot does not move");
    assert_eq!(rows(db.as_ref()), 1, "the next read sees it");
}

pub fn a_second_writer_waits_for_the_first(open: Opener) {
    let dir = super::common::tmp();
    let db = open(dir.path(), OpenMode::Create).expect("create");
    scratch(db.as_ref());
    let path = dir.path().to_path_buf();
    let (started, go) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        let other = open(&path, OpenMode::Existing).expect("open");
        write_tx(other.as_ref(), Durability::Full, |tx| {
            tx.execute("INSERT INTO scratch (v) VALUES ('first')", &[])?;
            let _ = started.send(());
            std::thread::sleep(std::time::Duration::from_millis(300));
            Ok(())
        })
        .expect("first writer");
    });
    go.recv().expect("the first writer holds the lock");
    write_tx(db.as_ref(), Durability::Full, |tx| {
        tx.execute("INSERT INTO scratch (v) VALUES ('second')", &[])
    })
    .expect("the second writer waits, then commits");
    writer.join().expect("join");
    assert_eq!(rows(db.as_ref()), 2);
}

pub fn the_audit_chain_appends_verifies_and_refuses_changes(open: Opener) {
    let dir = super::common::tmp();
    let db = open(dir.path(), OpenMode::Create).expect("create");
    for i in 0..20 {
        write_tx(db.as_ref(), Durability::Full, |tx| {
            store::audit::append(tx, &event(i))
        })
        .expect("append");
    }
    let v = read_tx(db.as_ref(), |tx| store::audit::verify(tx, &[])).expect("verify");
    assert_eq!((v.rows, v.head_id, v.first_bad), (20, 20, None));
    assert!(db.execute("UPDATE audit SET outcome = 'x'", &[]).is_err());
    assert!(db.execute("DELETE FROM audit WHERE id = 3", &[]).is_err());
}

pub fn the_search_index_round_trips(open: Opener) {
    let dir = super::common::tmp();
    let db = open(dir.path(), OpenMode::Create).expect("create");
    let tokens = vec!["nguyen".to_string(), "thi".to_string()];
    write_tx(db.as_ref(), Durability::Full, |tx| {
        store::search_index::add(tx, 70_000, &tokens)?;
        store::search_index::add(tx, 5, &tokens)
    })
    .expect("add");
    let vocab = store::search_index::load_vocab(db.as_ref()).expect("vocab");
    let id = vocab
        .iter()
        .find(|v| v.token == "nguyen")
        .expect("token")
        .id;
    let ids = |db: &dyn Store| {
        store::search_index::postings_of(db, &[id])
            .expect("postings")
            .into_iter()
            .flat_map(|(_, ids)| ids)
            .collect::<Vec<u32>>()
    };
    assert_eq!(ids(db.as_ref()), vec![5, 70_000], "ascending across chunks");
    write_tx(db.as_ref(), Durability::Full, |tx| {
        store::search_index::remove(tx, 5, &tokens)
    })
    .expect("remove");
    assert_eq!(ids(db.as_ref()), vec![70_000]);
}

pub fn a_store_from_a_newer_program_is_refused(open: Opener) {
    let dir = super::common::tmp();
    let db = open(dir.path(), OpenMode::Create).expect("create");
    write_tx(db.as_ref(), Durability::Full, |tx| {
        db.set_schema_version(tx, store::SCHEMA_VERSION + 5)
    })
    .expect("set version");
    drop(db);
    assert!(matches!(
        open(dir.path(), OpenMode::Existing),
        Err(StoreError::TooNew { .. })
    ));
}

/// One module of tests per backend, each test a clause above.
macro_rules! contract {
    ($name:ident, $open:expr) => {
        contract!($name, $open, #[cfg(all())]);
    };
    ($name:ident, $open:expr, #$attr:tt) => {
        contract!(@clauses $name, $open, $attr;
            migrates_to_the_current_version_and_reopens,
            execute_returns_the_new_row_id_and_the_rows_changed,
            a_failed_write_leaves_nothing_behind,
            a_unique_clash_is_a_duplicate,
            reads_are_strict_about_types,
            a_read_is_one_snapshot,
            a_second_writer_waits_for_the_first,
            the_audit_chain_appends_verifies_and_refuses_changes,
            the_search_index_round_trips,
            a_store_from_a_newer_program_is_refused
        );
    };
    (@clauses $name:ident, $open:expr, $attr:tt; $($clause:ident),*) => {
        mod $name {
            $(#[test] #$attr fn $clause() { super::$clause($open) })*
        }
    };
}

contract!(file, super::file_backend);
contract!(
    sqld,
    super::server_backend,
    #[ignore = "needs sqld: run through .ci/run"]
);
