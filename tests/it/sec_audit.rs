//! The audit trail: a row per event type, append-only triggers, the hash chain and its
//! anchors against a file tampered with directly, and fail-closed reads.

use std::path::Path;

use chartroom::domain::Action;
use chartroom::domain::PatientInput;
use chartroom::service::audit::AnchorLog;
use chartroom::service::{Access, ServiceError};
use chartroom::store::{self, OpenMode, SCHEMA_VERSION};

use super::common::{run, stderr, stdout, tmp};
use super::sec_support::*;

/// Writes a few dozen ordinary rows.
fn activity(db: &Path) {
    let (mrn, doc) = plain_patient(db);
    let mut s = as_user(db, "tech");
    for _ in 0..6 {
        s.find("smith", 5).expect("find");
        s.show(&mrn).expect("show");
        s.open_document(doc).expect("doc");
    }
}

fn verify(db: &Path) -> chartroom::service::audit::VerifyReport {
    as_user(db, &admin())
        .audit_verify(None)
        .expect("verify runs")
}

fn verify_with(db: &Path, anchors: &Path) -> chartroom::service::audit::VerifyReport {
    as_user(db, &admin())
        .audit_verify(Some(&AnchorLog::read(anchors)))
        .expect("verify runs")
}

#[test]
fn every_event_type_leaves_a_row_with_who_where_and_what() {
    let dir = tmp();
    let db = store(dir.path());
    let (mrn, doc) = plain_patient(&db);
    let (rmrn, _) = restricted_patient(&db);
    let mut a = as_user(&db, &admin());
    a.set_password(Some("tech"), None, "tech-password")
        .expect("passwd");
    a.set_role("coder", chartroom::domain::Role::Supervisor)
        .expect("role");
    a.site_set("idle_timeout_s", "600").expect("site set");
    a.add_user(&chartroom::service::NewUser {
        username: "newbie".into(),
        full_name: "New Bie".into(),
        role: chartroom::domain::Role::Technician,
        os_login: Some("login-newbie".into()),
    })
    .expect("add user");
    a.add_patient(&PatientInput {
        family: "Eventtest".into(),
        given: "Ann".into(),
        dob: "1970-01-01".into(),
        sex: "F".into(),
        ..Default::default()
    })
    .expect("add patient");
    let mut t = as_user(&db, "tech");
    t.login().expect("login");
    t.find("smith", 3).expect("search");
    t.show(&mrn).expect("chart");
    t.open_document(doc).expect("document");
    t.lock().expect("lock");
    assert!(matches!(
        t.unlock("nope-nope"),
        Err(ServiceError::WrongPassword { left: 4 })
    ));
    t.unlock("tech-password").expect("unlock");
    t.show_with(
        &rmrn,
        &Access::BreakGlass {
            reason: "coding query".into(),
        },
    )
    .expect("break glass");
    let mut r = as_user(&db, "roi");
    r.reveal_ssn(&mrn).expect("reveal");
    assert!(try_as_user(&db, "nobody").is_err());
    a.set_user_disabled("newbie", true).expect("disable");
    a.unlock_user("tech").expect("unlock user");
    a.audit_anchor(None).expect("anchor");
    a.audit_verify(None).expect("verify");

    let c = raw(&db);
    for name in [
        Action::Login,
        Action::Lock,
        Action::Unlock,
        Action::FailedUnlock,
        Action::Search,
        Action::ChartOpen,
        Action::DocumentOpen,
        Action::SsnReveal,
        Action::PatientCreate,
        Action::RoleChange,
        Action::BreakGlass,
        Action::UserCreate,
        Action::UserUpdate,
        Action::UserUnlock,
        Action::PasswordChange,
        Action::SiteSettingChange,
        Action::LoginRefused,
        Action::AuditAnchor,
        Action::AuditVerify,
    ] {
        let (n, at_ok, who_ok, login_ok, origin_ok): (i64, bool, bool, bool, bool) = c
            .query_row(
                "SELECT count(*), min(at <> ''), min(username <> ''), min(os_login IS NOT NULL), \
                 min(origin IS NOT NULL) FROM audit WHERE action = ?",
                [name.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .expect("query");
        assert!(n >= 1, "no {name} row");
        assert!(
            at_ok && who_ok && login_ok && origin_ok,
            "{name}: time, user, OS login and origin"
        );
    }
    // Patient events name the patient; searches carry the count, never the query text.
    let pid_missing: i64 = c
        .query_row(
            "SELECT count(*) FROM audit WHERE action IN ('chart_open','document_open','ssn_reveal','break_glass') \
             AND patient_id IS NULL",
            [],
            |r| r.get(0),
        )
        .expect("q");
    assert_eq!(pid_missing, 0);
    let leaked: i64 = c
        .query_row(
            "SELECT count(*) FROM audit WHERE detail LIKE '%smith%'",
            [],
            |r| r.get(0),
        )
        .expect("q");
    assert_eq!(leaked, 0, "the query text is never stored");
    let role: String = c
        .query_row(
            "SELECT detail FROM audit WHERE action = 'role_change'",
            [],
            |r| r.get(0),
        )
        .expect("role row");
    let v: serde_json::Value = serde_json::from_str(&role).expect("json");
    assert_eq!(
        (v["before"]["role"].as_str(), v["after"]["role"].as_str()),
        (Some("coder"), Some("supervisor"))
    );
    let site: String = c
        .query_row(
            "SELECT detail FROM audit WHERE action = 'site_setting_change'",
            [],
            |r| r.get(0),
        )
        .expect("site row");
    assert_eq!(site, r#"{"after":"600","before":null}"#);
    let pw: i64 = c
        .query_row(
            "SELECT count(*) FROM audit WHERE detail LIKE '%tech-password%'",
            [],
            |r| r.get(0),
        )
        .expect("q");
    assert_eq!(pw, 0, "passwords are never audited");
    // The features that will write these have names waiting for them.
    assert_eq!(
        (
            Action::Export.as_str(),
            Action::Disclosure.as_str(),
            Action::Merge.as_str()
        ),
        ("export", "disclosure", "merge")
    );
}

#[test]
fn triggers_refuse_update_and_delete() {
    let dir = tmp();
    let db = store(dir.path());
    activity(&db);
    let c = raw(&db);
    let e = c
        .execute("UPDATE audit SET outcome = 'ok' WHERE id = 2", [])
        .expect_err("update refused");
    assert!(e.to_string().contains("cannot be changed"), "{e}");
    let e = c
        .execute("DELETE FROM audit WHERE id = 2", [])
        .expect_err("delete refused");
    assert!(e.to_string().contains("cannot be changed"), "{e}");
    assert!(verify(&db).ok());
}

#[test]
fn verify_names_an_edited_row() {
    let dir = tmp();
    let db = store(dir.path());
    activity(&db);
    assert!(verify(&db).ok());
    drop_triggers(&db);
    raw(&db)
        .execute(
            "UPDATE audit SET username = 'someone-else' WHERE id = 5",
            [],
        )
        .expect("edit");
    let r = verify(&db);
    let bad = r.chain.first_bad.expect("caught");
    assert_eq!(bad.id, 5);
    assert!(bad.reason.raw().contains("changed"), "{}", bad.reason);
    // The shell says the same and exits non-zero.
    let o = run(&db, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stdout(&o).contains("first bad row 5"), "{}", stdout(&o));
}

#[test]
fn verify_names_a_deleted_row() {
    let dir = tmp();
    let db = store(dir.path());
    activity(&db);
    drop_triggers(&db);
    raw(&db)
        .execute("DELETE FROM audit WHERE id = 7", [])
        .expect("delete");
    let bad = verify(&db).chain.first_bad.expect("caught");
    assert_eq!(bad.id, 7);
    assert!(bad.reason.raw().contains("missing"), "{}", bad.reason);
}

#[test]
fn verify_names_a_reordered_row() {
    let dir = tmp();
    let db = store(dir.path());
    activity(&db);
    drop_triggers(&db);
    // Swap rows 6 and 7 whole (hashes too), keeping the ids in order.
    let cols = "at, user_id, username, os_login, origin, action, patient_id, object, outcome, detail, prev_hash, hash";
    raw(&db)
        .execute_batch(&format!(
            "CREATE TEMP TABLE s AS SELECT * FROM audit WHERE id IN (6, 7);
             UPDATE audit SET ({cols}) = (SELECT {cols} FROM s WHERE s.id = 13 - audit.id) WHERE id IN (6, 7);"
        ))
        .expect("swap");
    let bad = verify(&db).chain.first_bad.expect("caught");
    assert_eq!(bad.id, 6);
    assert!(
        bad.reason.raw().contains("does not follow"),
        "{}",
        bad.reason
    );
}

#[test]
fn a_recomputed_chain_passes_alone_but_not_against_the_anchors() {
    let dir = tmp();
    let db = store(dir.path());
    let anchors = dir.path().join("anchors.log");
    let mut a = as_user(&db, &admin());
    let first = a
        .audit_anchor(Some(&mut AnchorLog::open(&anchors)))
        .expect("anchor 1");
    drop(a);
    activity(&db);
    let second = as_user(&db, &admin())
        .audit_anchor(Some(&mut AnchorLog::open(&anchors)))
        .expect("anchor 2");
    activity(&db);
    assert!(verify_with(&db, &anchors).ok());
    let text = std::fs::read_to_string(&anchors).expect("anchor file");
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains(&format!(
        "head={} rows={} hash={}",
        second.head_id, second.rows, second.hash
    )));

    // The attacker edits a row after the first anchor, recomputes every hash from there and
    // puts the triggers back.
    let target = first.head_id + 3;
    assert!(target < second.head_id);
    drop_triggers(&db);
    raw(&db)
        .execute(
            "UPDATE audit SET username = 'someone-else' WHERE id = ?",
            [target],
        )
        .expect("edit");
    let sql = store::open_file(&db, OpenMode::Existing, None).expect("open");
    chartroom::store::audit::backfill_chain(&sql).expect("recompute");
    drop(sql);
    restore_triggers(&db);

    let mut without = as_user(&db, &admin());
    let empty = dir.path().join("no-anchors.log");
    std::fs::write(&empty, "").expect("empty");
    let alone = without
        .audit_verify(Some(&AnchorLog::read(&empty)))
        .expect("verify");
    assert!(alone.ok(), "a plain chain cannot tell");
    assert_eq!(alone.exit_code(), 7, "and verify says it checked no anchor");
    let r = verify_with(&db, &anchors);
    let bad = r.chain.first_bad.expect("the anchors catch it");
    assert_eq!(
        bad.id,
        first.head_id + 1,
        "the rewrite starts after the last anchor that matches"
    );
    assert!(
        bad.reason
            .raw()
            .contains(&format!("row {}", second.head_id)),
        "{}",
        bad.reason
    );
    let o = run(
        &db,
        &[
            "audit",
            "verify",
            "--anchors",
            anchors.to_str().expect("utf8"),
        ],
    );
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn rows_deleted_from_the_end_after_an_anchor_are_caught() {
    let dir = tmp();
    let db = store(dir.path());
    activity(&db);
    let anchors = dir.path().join("anchors.log");
    let mut a = as_user(&db, &admin());
    let anchor = a
        .audit_anchor(Some(&mut AnchorLog::open(&anchors)))
        .expect("anchor");
    drop(a);
    drop_triggers(&db);
    raw(&db)
        .execute("DELETE FROM audit WHERE id >= ?", [anchor.head_id - 2])
        .expect("truncate");
    let bad = verify_with(&db, &anchors).chain.first_bad.expect("caught");
    assert_eq!(bad.id, anchor.head_id - 2);
}

#[test]
fn a_phi_read_whose_audit_row_cannot_be_written_is_refused() {
    let dir = tmp();
    let db = store(dir.path());
    let (mrn, doc) = plain_patient(&db);
    let mut t = as_user(&db, "tech");
    raw(&db)
        .execute_batch(
            "CREATE TRIGGER audit_full BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit disk full'); END;",
        )
        .expect("make the audit insert fail");
    match t.show(&mrn) {
        Err(e @ ServiceError::AuditFailed(_)) => {
            assert_eq!(e.exit_code(), 3);
            assert!(e.to_string().contains("nothing was shown"), "{e}");
        }
        other => panic!(
            "expected a refusal, got {:?}",
            other.map(|c| c.patient.mrn.to_string())
        ),
    }
    assert!(matches!(
        t.open_document(doc),
        Err(ServiceError::AuditFailed(_))
    ));
    assert!(t.find("smith", 5).is_err());
    assert!(t.reveal_ssn(&mrn).is_err());
    let o = run(&db, &["show", &mrn]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stdout(&o).is_empty(), "no chart printed: {}", stdout(&o));
    raw(&db)
        .execute_batch("DROP TRIGGER audit_full")
        .expect("restore");
    t.show(&mrn).expect("works again");
}

#[test]
fn migration_2_chains_rows_written_before_it() {
    let dir = tmp();
    let db = dir.path().join("v1.db");
    {
        let c = raw(&db);
        c.execute_batch(include_str!("../../src/store/schema/001_initial.sql"))
            .expect("v1 schema");
        c.execute_batch("PRAGMA user_version = 1; PRAGMA application_id = 1128813140;")
            .expect("v1");
        for i in 0..5 {
            c.execute(
                "INSERT INTO audit (at, username, action, outcome, detail) VALUES ('2026-01-01T00:00:00Z', 'old', 'search', 'ok', ?)",
                [format!("results={i}")],
            )
            .expect("v1 row");
        }
    }
    drop(store::open_file(&db, OpenMode::Existing, None).expect("migrates"));
    assert_eq!(count(&db, "PRAGMA user_version"), SCHEMA_VERSION);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit WHERE hash IS NULL OR length(hash) <> 32"
        ),
        0
    );
    let sql = store::open_file(&db, OpenMode::Existing, None).expect("open");
    let v = chartroom::store::audit::verify(&sql, &[]).expect("verify");
    assert_eq!((v.rows, v.first_bad), (5, None));
    // The UPDATE trigger is back.
    assert!(
        raw(&db)
            .execute("UPDATE audit SET outcome = 'x' WHERE id = 1", [])
            .is_err()
    );
}

// The anchor tests above hand the service an anchor file of their own; a records server uses
// only its own (serve_remote.rs checks that).
served_twins!(
    every_event_type_leaves_a_row_with_who_where_and_what,
    triggers_refuse_update_and_delete,
    verify_names_an_edited_row,
    verify_names_a_deleted_row,
    verify_names_a_reordered_row,
    a_phi_read_whose_audit_row_cannot_be_written_is_refused,
);
