//! Issue 11, backups and restores: a consistent copy of a live store, checked before it
//! replaces anything, put back through SQLite's backup API; an encrypted store's backup
//! across a key rotation; a restore that archives the rows past the backup's head so that
//! `audit verify` passes afterwards; administrators only; a restore over a damaged store.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::common::{me, stderr, stdout, tmp};
use super::crypt::{PASS, init_encrypted, run_with};
use super::sec_support::*;

fn cli(db: &Path, args: &[&str]) -> Output {
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

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(o), stderr(o));
    stdout(o)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8")
}

fn family_count(db: &Path, family: &str) -> i64 {
    raw(db)
        .query_row(
            "SELECT count(*) FROM patients WHERE family = ?",
            [family],
            |r| r.get(0),
        )
        .expect("count")
}

fn add(db: &Path, family: &str) {
    ok(&cli(
        db,
        &[
            "patient",
            "add",
            "--family",
            family,
            "--given",
            "Ann",
            "--dob",
            "1966-04-05",
            "--sex",
            "F",
        ],
    ));
}

#[test]
fn backup_and_restore_of_a_live_store_bring_back_what_was_there() {
    let dir = tmp();
    let db = store(dir.path());
    let backup = dir.path().join("b1.db");
    // A clerk holds the store open while the backup runs.
    let mut clerk = as_user(&db, "tech");
    clerk.find("smith", 5).expect("find");
    let out = ok(&cli(&db, &["backup", s(&backup)]));
    assert!(out.contains("Backed up"), "{out}");
    clerk
        .find("jones", 5)
        .expect("the clerk's session still works");
    add(&db, "Afterbackup");
    assert_eq!(family_count(&db, "Afterbackup"), 1);
    // A backup never overwrites a file.
    let o = cli(&db, &["backup", s(&backup)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Without a terminal, a restore asks for --yes and changes nothing.
    let o = cli(&db, &["restore", s(&backup)]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(family_count(&db, "Afterbackup"), 1);
    let out = ok(&cli(&db, &["restore", s(&backup), "--yes"]));
    assert!(out.contains("Restored"), "{out}");
    assert_eq!(family_count(&db, "Afterbackup"), 0, "back to the backup");
    // The clerk's open session reads the restored store and is audited in its trail.
    clerk
        .find("smith", 5)
        .expect("still works after the restore");
    assert_eq!(
        ok(&cli(&db, &["check"])).trim(),
        "The store is sound: no problems found."
    );
    let o = cli(&db, &["audit", "verify"]);
    assert_eq!(
        o.status.code(),
        Some(7),
        "intact, no anchor: {}",
        stdout(&o)
    );
    let (who, action, outcome, _, detail) = raw(&db)
        .query_row(
            "SELECT username, action, outcome, patient_id, detail FROM audit \
             WHERE action = 'store_restore' ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            },
        )
        .expect("the restore row");
    assert_eq!(
        (who.as_str(), action.as_str(), outcome.as_str()),
        (me().as_str(), "store_restore", "ok")
    );
    assert!(detail.unwrap_or_default().starts_with("restored; rows "));
    // No file was renamed over the store: its inode is the one it had.
    let _ = raw(&db);
}

#[test]
fn a_restore_archives_the_rows_past_the_backups_head_and_verify_passes_after() {
    let dir = tmp();
    let db = store(dir.path());
    let anchors = dir.path().join("anchors");
    let a = ["--anchors", s(&anchors)];
    ok(&cli(&db, &[&["audit", "anchor"][..], &a].concat()));
    let backup = dir.path().join("b.db");
    ok(&cli(&db, &["backup", s(&backup)]));
    let head_of_backup = count(&backup, "SELECT max(id) FROM audit");
    let mut t = as_user(&db, "tech");
    for q in ["smith", "jones", "garcia"] {
        t.find(q, 5).expect("find");
    }
    ok(&cli(&db, &[&["audit", "anchor"][..], &a].concat()));
    t.find("lee", 5).expect("find");
    let replaced_head = count(&db, "SELECT max(id) FROM audit");
    let out = ok(&cli(
        &db,
        &[&["restore", s(&backup), "--yes"][..], &a].concat(),
    ));
    assert!(
        out.contains("archived at") && out.contains("the anchor file says so"),
        "{out}"
    );
    // The archive holds the replaced rows, from the backup's head on (the restore's own
    // `started` row is the last of them).
    let archive: PathBuf = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().contains(".audit-archive-"))
        .expect("an archive file");
    let text = std::fs::read_to_string(&archive).expect("archive");
    let rows: Vec<serde_json::Value> = text
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(rows.first().expect("rows")["id"], head_of_backup + 1);
    assert_eq!(rows.last().expect("rows")["id"], replaced_head + 1);
    assert!(rows.iter().any(|r| r["action"] == "search"));
    let log = std::fs::read_to_string(&anchors).expect("anchors");
    assert!(
        log.lines()
            .last()
            .expect("a line")
            .contains("chartroom-audit-restore v1")
    );
    let restore_row: String = raw(&db)
        .query_row(
            "SELECT detail FROM audit WHERE action = 'store_restore' AND outcome = 'ok'",
            [],
            |r| r.get(0),
        )
        .expect("restore row");
    assert_eq!(
        restore_row,
        format!(
            "restored; rows {}..{} archived at {}",
            head_of_backup + 1,
            replaced_head + 1,
            archive.display()
        )
    );
    // verify passes: the old anchors of the replaced rows are checked against the archive.
    let o = cli(&db, &[&["audit", "verify"][..], &a].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("archived at"), "{}", stdout(&o));
    // ... and an archive changed afterwards is caught.
    std::fs::write(&archive, text.replace("\"search\"", "\"logout\"")).expect("tamper");
    let o = cli(&db, &[&["audit", "verify"][..], &a].concat());
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
}

#[test]
fn a_backup_that_fails_its_checks_replaces_nothing() {
    let dir = tmp();
    let db = store(dir.path());
    let backup = dir.path().join("b.db");
    ok(&cli(&db, &["backup", s(&backup)]));
    add(&db, "Keptinplace");
    // Someone edits the backup's trail.
    drop_triggers(&backup);
    raw(&backup)
        .execute("UPDATE audit SET username = 'x' WHERE id = 2", [])
        .expect("tamper");
    restore_triggers(&backup);
    let o = cli(&db, &["restore", s(&backup), "--yes"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("nothing was replaced"),
        "{}",
        stderr(&o)
    );
    assert_eq!(family_count(&db, "Keptinplace"), 1);
    let failed: i64 = count(
        &db,
        "SELECT count(*) FROM audit WHERE action = 'store_restore' AND outcome = 'failed'",
    );
    assert_eq!(failed, 1, "the failed attempt is audited");
    // A file that is no store at all is refused the same way.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a store").expect("junk");
    let o = cli(&db, &["restore", s(&junk), "--yes"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(family_count(&db, "Keptinplace"), 1);
}

#[test]
fn backup_and_restore_are_for_administrators_only() {
    let dir = tmp();
    let db = store(dir.path());
    let backup = dir.path().join("b.db");
    ok(&cli(&db, &["backup", s(&backup)]));
    become_user(&db, "tech");
    let x = dir.path().join("x.db");
    for args in [vec!["backup", s(&x)], vec!["restore", s(&backup), "--yes"]] {
        let o = cli(&db, &args);
        assert_eq!(o.status.code(), Some(4), "{args:?}: {}", stderr(&o));
        let (who, _, outcome, _, _) = last_audit(&db);
        assert_eq!((who.as_str(), outcome.as_str()), ("tech", "denied"));
    }
    assert!(!x.exists());
}

#[test]
fn an_encrypted_store_backed_up_before_a_key_rotate_restores() {
    let dir = tmp();
    let (db, recovery) = init_encrypted(dir.path(), "prompt");
    let p = format!("{PASS}\n");
    let add = |family: &str| {
        let o = run_with(
            &db,
            "prompt",
            Some(&p),
            &[
                "patient",
                "add",
                "--family",
                family,
                "--given",
                "Ann",
                "--dob",
                "1966-04-05",
                "--sex",
                "F",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    };
    add("Beforeback");
    let backup = dir.path().join("b.db");
    let o = run_with(&db, "prompt", Some(&p), &["backup", s(&backup)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        chartroom::secrets::key_file_path(&backup).exists(),
        "its key file goes with it"
    );
    // The backup is encrypted like the store.
    assert!(
        rusqlite::Connection::open(&backup)
            .and_then(
                |c| c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r
                    .get::<_, i64>(0))
            )
            .is_err()
    );
    let o = run_with(&db, "prompt", Some(&p), &["key", "rotate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    add("Afterrotate");
    // The restore asks for the backup's passphrase of its day: here the recovery one, typed
    // with spaces.
    let spaced = recovery.replace('-', " ");
    let o = run_with(
        &db,
        "prompt",
        Some(&format!("{PASS}\n{spaced}\n")),
        &["restore", s(&backup), "--yes"],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let find = |q: &str| run_with(&db, "prompt", Some(&p), &["find", q]);
    assert_eq!(find("beforeback").status.code(), Some(0));
    assert_eq!(
        find("afterrotate").status.code(),
        Some(1),
        "gone with the restore"
    );
    // The store still opens with the current key file and passphrase, and checks out.
    let o = run_with(&db, "prompt", Some(&p), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn a_plain_store_backup_is_encrypted_under_a_backup_passphrase_when_asked() {
    let dir = tmp();
    let db = store(dir.path());
    let backup = dir.path().join("b.db");
    let o = run_with(
        &db,
        "prompt",
        Some("backup passphrase 1\n"),
        &["backup", s(&backup), "--encrypt"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(chartroom::secrets::key_file_path(&backup).exists());
    let plain = rusqlite::Connection::open(&backup)
        .and_then(|c| c.query_row("SELECT count(*) FROM patients", [], |r| r.get::<_, i64>(0)));
    assert!(plain.is_err(), "unreadable without the key");
    add(&db, "Notinbackup");
    let o = run_with(
        &db,
        "prompt",
        Some("wrong passphrase\n"),
        &["restore", s(&backup), "--yes"],
    );
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(family_count(&db, "Notinbackup"), 1);
    let o = run_with(
        &db,
        "prompt",
        Some("backup passphrase 1\n"),
        &["restore", s(&backup), "--yes"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(family_count(&db, "Notinbackup"), 0);
    assert!(
        count(&db, "SELECT count(*) FROM patients") > 100,
        "a plain store again"
    );
}

#[test]
fn a_truncated_store_is_named_by_check_and_a_restore_brings_it_back() {
    let dir = tmp();
    let db = store(dir.path());
    let backup = dir.path().join("b.db");
    ok(&cli(&db, &["backup", s(&backup)]));
    let len = std::fs::metadata(&db).expect("meta").len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .and_then(|f| f.set_len(len / 3))
        .expect("truncate");
    let o = cli(&db, &["check"]);
    assert_eq!(o.status.code(), Some(3));
    let out = stdout(&o);
    assert!(
        out.contains("truncated") && out.contains("chartroom restore"),
        "{out}"
    );
    let o = cli(&db, &["find", "smith"]);
    assert_eq!(o.status.code(), Some(3));
    let out = ok(&cli(&db, &["restore", s(&backup), "--yes"]));
    assert!(out.contains("Restored"), "{out}");
    assert_eq!(
        ok(&cli(&db, &["check"])).trim(),
        "The store is sound: no problems found."
    );
    assert!(
        count(
            &db,
            "SELECT count(*) FROM audit WHERE action = 'store_restore'"
        ) >= 2
    );
}
