//! Helpers for the security tests: act as any demo user, tamper with the file, read the trail.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use chartroom::service::Service;

pub use super::backends::{AsDb, Backend, Db};
use super::common::*;

/// A demo store whose demo users are each mapped to the OS login `login-<username>`.
pub fn store(dir: &Path) -> PathBuf {
    let db = demo_store(dir, 300);
    raw(&db)
        // Logins for every role; and no passwords yet (the demo gives every user the demo
        // password; these tests set their own).
        .execute_batch(
            "UPDATE users SET os_login = 'login-' || username WHERE os_login IS NULL; \
             UPDATE users SET password_hash = NULL;",
        )
        .expect("map logins");
    db
}

/// The security-test store (`store`) on backend `b`.
pub fn store_on(b: Backend, dir: &Path) -> Db {
    let file = store(dir);
    super::backends::on(b, dir, &file)
}

/// The username of the demo administrator (the OS login running the tests).
pub fn admin() -> String {
    me()
}

/// A service acting as the chartroom user `username`.
pub fn as_user(db: impl AsDb, username: &str) -> Service {
    try_as_user(db, username).unwrap_or_else(|e| panic!("open as {username}: {e}"))
}

pub fn try_as_user(
    db: impl AsDb,
    username: &str,
) -> Result<Service, chartroom::service::ServiceError> {
    let login = if username == admin() {
        admin()
    } else {
        format!("login-{username}")
    };
    db.db().service_as(&login)
}

/// A plain rusqlite connection to the file, for tampering and checking behind the service.
pub fn raw(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db).expect("raw open")
}

/// The newest audit row: (username, action, outcome, patient_id, detail).
pub fn last_audit(db: impl AsDb) -> (String, String, String, Option<i64>, Option<String>) {
    let r = db
        .db()
        .open()
        .query_row(
            "SELECT username, action, outcome, patient_id, detail FROM audit ORDER BY id DESC LIMIT 1",
            &[],
        )
        .expect("query")
        .expect("an audit row");
    (
        r.text(0).expect("username"),
        r.text(1).expect("action"),
        r.text(2).expect("outcome"),
        r.opt_int(3).expect("patient"),
        r.opt_text(4).expect("detail"),
    )
}

pub fn count(db: impl AsDb, sql: &str) -> i64 {
    db.db().open().count(sql, &[]).expect("count")
}

/// An MRN of a patient with no restriction flags and at least one ordinary document, and
/// that document's id.
pub fn plain_patient(db: impl AsDb) -> (String, i64) {
    let r = db
        .db()
        .open()
        .query_row(
            "SELECT p.mrn, d.id FROM patients p JOIN documents d ON d.patient_id = p.id \
             WHERE p.restricted = 0 AND p.employee = 0 AND p.part2 = 0 AND d.part2 = 0 \
             ORDER BY p.id LIMIT 1",
            &[],
        )
        .expect("query")
        .expect("a plain patient");
    (r.text(0).expect("mrn"), r.int(1).expect("doc"))
}

/// Marks a plain patient restricted and returns its MRN and one of its document ids.
pub fn restricted_patient(db: impl AsDb) -> (String, i64) {
    let s = db.db().open();
    let r = s
        .query_row(
            "SELECT p.mrn, d.id FROM patients p JOIN documents d ON d.patient_id = p.id \
             WHERE p.restricted = 0 AND p.employee = 0 AND p.part2 = 0 AND d.part2 = 0 \
             ORDER BY p.id DESC LIMIT 1",
            &[],
        )
        .expect("query")
        .expect("a patient");
    let (mrn, doc) = (r.text(0).expect("mrn"), r.int(1).expect("doc"));
    s.execute(
        "UPDATE patients SET restricted = 1 WHERE mrn = ?",
        chartroom::params![mrn.as_str()],
    )
    .expect("restrict");
    (mrn, doc)
}

/// Makes the OS login running the tests act as `username` for the real binary.
pub fn become_user(db: &Path, username: &str) {
    let c = raw(db);
    c.execute(
        "UPDATE users SET os_login = NULL WHERE os_login = ?",
        [me()],
    )
    .expect("unmap");
    c.execute(
        "UPDATE users SET os_login = ? WHERE username = ?",
        [me(), username.to_string()],
    )
    .expect("map");
}

/// Runs the binary with `input` on its standard input.
pub fn run_with_stdin(db: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CHARTROOM_DB")
        .env(
            "CHARTROOM_SYSTEM_CONFIG",
            "/nonexistent/chartroom-tests.toml",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// Drops the triggers that guard the trail, as someone with write access to the file could.
pub fn drop_triggers(db: &Path) {
    raw(db)
        .execute_batch(
            "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; \
             DROP TRIGGER audit_append_only;",
        )
        .expect("drop triggers");
}

/// Puts the triggers back, as a careful attacker would after rewriting the trail.
pub fn restore_triggers(db: &Path) {
    let append_only = include_str!("../../src/store/schema/005_hardening.sql");
    let start = append_only
        .find("CREATE TRIGGER audit_append_only")
        .expect("the trigger");
    let end = append_only[start..].find("END;").expect("its end") + start + 4;
    raw(db)
        .execute_batch(&format!(
            "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit \
             BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END; \
             CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit \
             BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END; {}",
            &append_only[start..end]
        ))
        .expect("restore triggers");
}
