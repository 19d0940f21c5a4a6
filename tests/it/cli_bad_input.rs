//! Bad input at the shell: each gets a one-line message or an empty result, the exit code
//! the README promises, never a panic, and no patient data changed.

use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

use super::common::*;

fn sha(p: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(p).expect("read")))
}

/// A digest of every patient row, to show that nothing changed.
fn patients_digest(db: &Path) -> String {
    let c = rusqlite::Connection::open(db).expect("open");
    let s: String = c
        .query_row(
            "SELECT group_concat(id || mrn || family || given || dob || sex || version, '|') FROM \
             (SELECT * FROM patients ORDER BY id)",
            [],
            |r| r.get(0),
        )
        .expect("digest");
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn assert_one_line_error(o: &std::process::Output, code: i32) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err:?}"
    );
    assert!(err.starts_with("chartroom: "), "{err:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_file_that_is_not_a_store_is_left_untouched() {
    let dir = tmp();
    let fake = dir.path().join("passwd.db");
    std::fs::copy("/etc/passwd", &fake).expect("copy");
    let before = sha(&fake);
    for args in [
        vec!["find", "smith"],
        vec!["show", "10000001"],
        vec!["check"],
        vec![
            "patient",
            "add",
            "--family",
            "A",
            "--given",
            "B",
            "--dob",
            "1970-01-01",
            "--sex",
            "F",
        ],
    ] {
        let o = run(&fake, &args);
        assert_one_line_error(&o, 3);
        assert!(
            stderr(&o).contains("not a chartroom store"),
            "{}",
            stderr(&o)
        );
    }
    assert_eq!(sha(&fake), before, "the file was changed");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no -wal or -shm left beside it: {names:?}");
}

#[test]
fn a_missing_store_says_how_to_make_one() {
    let dir = tmp();
    let o = run(&dir.path().join("nothing.db"), &["find", "smith"]);
    assert_one_line_error(&o, 3);
    assert!(stderr(&o).contains("chartroom init"));
    assert!(
        !dir.path().join("nothing.db").exists(),
        "find must not create a store"
    );
}

#[test]
fn a_store_from_a_newer_chartroom_is_refused() {
    let dir = tmp();
    let db = demo_store(dir.path(), 50);
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA user_version = 999")
        .unwrap();
    let before = patients_digest(&db);
    let o = run(&db, &["find", "smith"]);
    assert_one_line_error(&o, 3);
    assert!(stderr(&o).contains("newer chartroom"), "{}", stderr(&o));
    assert_eq!(patients_digest(&db), before);
}

#[test]
fn a_foreign_sqlite_database_is_refused() {
    let dir = tmp();
    let db = dir.path().join("other.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .unwrap();
    let o = run(&db, &["find", "smith"]);
    assert_one_line_error(&o, 3);
    assert!(stderr(&o).contains("not a chartroom store"));
}

#[test]
fn queries_that_are_empty_huge_or_full_of_controls() {
    let dir = tmp();
    let db = demo_store(dir.path(), 200);
    let before = patients_digest(&db);
    assert_one_line_error(&run(&db, &["find", ""]), 2);
    assert_one_line_error(&run(&db, &["find", "   "]), 2);
    let huge = "x".repeat(10_000);
    assert_one_line_error(&run(&db, &["find", &huge]), 2);
    let many = "ab ".repeat(3_400);
    let o = run(&db, &["find", &many]);
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{}",
        stderr(&o)
    );
    let o = run(
        &db,
        &["find", "\u{1b}]0;owned\u{7}smith\u{1b}[2J", "--json"],
    );
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{}",
        stderr(&o)
    );
    assert!(
        !stdout(&o).contains('\u{1b}'),
        "no raw escape reaches the terminal"
    );
    assert_eq!(patients_digest(&db), before);
}

#[test]
fn invalid_values_in_patient_add_change_nothing() {
    let dir = tmp();
    let db = demo_store(dir.path(), 100);
    let before = patients_digest(&db);
    let base = [
        "patient", "add", "--family", "Test", "--given", "Pat", "--sex", "F",
    ];
    for (flag, value, needle) in [
        ("--dob", "1970-02-30", "not valid"),
        ("--dob", "13/45/1970", "not valid"),
        ("--dob", "2999-01-01", "future"),
        ("--dob", "yesterday", "not valid"),
    ] {
        let mut args: Vec<&str> = base.to_vec();
        args.extend([flag, value]);
        let o = run(&db, &args);
        assert_one_line_error(&o, 2);
        assert!(stderr(&o).contains(needle), "{value}: {}", stderr(&o));
    }
    let mut args: Vec<&str> = base.to_vec();
    args.extend(["--dob", "1970-01-01", "--ssn", "12-34"]);
    assert_one_line_error(&run(&db, &args), 2);
    let mut args: Vec<&str> = base.to_vec();
    args.extend(["--dob", "1970-01-01", "--mrn", "10000001"]);
    let o = run(&db, &args);
    assert_one_line_error(&o, 5);
    assert!(stderr(&o).contains("already in use"));
    assert_eq!(patients_digest(&db), before);
}

#[test]
fn patient_add_warns_of_a_likely_duplicate_and_find_sees_the_new_patient() {
    let dir = tmp();
    let db = demo_store(dir.path(), 100);
    let args = [
        "patient",
        "add",
        "--family",
        "Quinn",
        "--given",
        "Harriet",
        "--dob",
        "04/05/1966",
        "--sex",
        "F",
    ];
    let o = run(&db, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mrn = stdout(&o).trim().to_string();
    assert!(stderr(&o).is_empty());
    let o = run(
        &db,
        &[
            "patient",
            "add",
            "--family",
            "Quin",
            "--given",
            "Harriet",
            "--dob",
            "1966-04-05",
            "--sex",
            "F",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains(&mrn),
        "duplicate warning names the first MRN: {}",
        stderr(&o)
    );
    // Day and month of birth transposed at registration.
    let o = run(
        &db,
        &[
            "patient",
            "add",
            "--family",
            "Quinn",
            "--given",
            "Harriet",
            "--dob",
            "1966-05-04",
            "--sex",
            "F",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains(&mrn),
        "transposed birth date still warns: {}",
        stderr(&o)
    );
    let o = run(&db, &["find", "harriet", "quinn", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
}

#[test]
fn nothing_found_exits_1() {
    let dir = tmp();
    let db = demo_store(dir.path(), 100);
    let o = run(&db, &["find", "zzzzqqqq"]);
    assert_eq!(o.status.code(), Some(1));
    let o = run(&db, &["show", "99999999"]);
    assert_eq!(o.status.code(), Some(1));
}

/// Runs the binary as an unprivileged account when we are root (root ignores permissions).
fn unprivileged(db: &Path, args: &[&str]) -> std::process::Output {
    let bin = env!("CARGO_BIN_EXE_chartroom");
    if unsafe { libc::geteuid() } == 0 {
        Command::new("setpriv")
            .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
            .arg(bin)
            .arg("--db")
            .arg(db)
            .args(args)
            .output()
            .expect("setpriv (util-linux) is needed to test permissions as root")
    } else {
        Command::new(bin)
            .arg("--db")
            .arg(db)
            .args(args)
            .output()
            .expect("run")
    }
}

#[test]
fn a_read_only_folder_gives_a_clear_message() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    // Traversable by everyone (the unprivileged account must reach it), writable by nobody.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let o = unprivileged(&ro.join("new.db"), &["init"]);
    assert_one_line_error(&o, 3);
    assert!(
        stderr(&o).contains("read-only") || stderr(&o).contains("permission"),
        "{}",
        stderr(&o)
    );
    assert!(!ro.join("new.db").exists());
}
