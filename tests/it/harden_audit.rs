//! Issue 11, the audit trail: rows outside the chain, a forged previous-hash, values of
//! another type, anchors kept outside the store, and the loud "not anchored" exit 7; chains
//! written in the old encoding still verify against their old anchors.

use std::path::Path;

use chartroom::service::audit::AnchorLog;
use chartroom::store::{self, OpenMode};

use super::common::{stderr, stdout, tmp};
use super::sec_support::*;

/// Runs the binary on `db` with the system config at `config` (a file that may not exist).
fn run_cfg(db: &Path, config: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CHARTROOM_DB")
        .env("CHARTROOM_SYSTEM_CONFIG", config)
        .output()
        .expect("run chartroom")
}

fn activity(db: &Path) {
    let (mrn, _) = plain_patient(db);
    let mut s = as_user(db, "tech");
    for _ in 0..3 {
        s.find("smith", 5).expect("find");
        s.show(&mrn).expect("show");
    }
}

const FORGED: &str = "INSERT INTO audit(id,at,user_id,username,os_login,origin,action,patient_id,object,outcome) \
     VALUES (?1,'2026-12-01T03:12:00Z',2,'tech','tech','ssh 10.0.0.9','ssn_reveal',6,'patient:10000005','ok')";

#[test]
fn audit_rows_outside_the_chain_are_refused_and_never_pass_verify() {
    let dir = tmp();
    let db = store(dir.path());
    activity(&db);
    let no_config = dir.path().join("none.toml");
    // The store refuses them outright: id 0, -1, a gap, or the next id without the chain.
    for id in [0i64, -1, 1, 10_000] {
        let e = raw(&db).execute(FORGED, [id]).expect_err("refused");
        assert!(e.to_string().contains("next row of its chain"), "{id}: {e}");
    }
    let next = count(&db, "SELECT max(id) + 1 FROM audit");
    assert!(raw(&db).execute(FORGED, [next]).is_err(), "no hash, no row");
    // Whoever drops the trigger to put them in is caught, and no reader lists them.
    let pid_before = as_user(&db, "auditor")
        .audit_patient(&mrn_of(&db, 6))
        .expect("report")
        .entries
        .len();
    raw(&db)
        .execute_batch("DROP TRIGGER audit_append_only")
        .expect("drop");
    raw(&db).execute(FORGED, [0]).expect("forged 0");
    raw(&db).execute(FORGED, [-1]).expect("forged -1");
    let o = run_cfg(&db, &no_config, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains("outside the chain") && out.contains("TAMPERED"),
        "{out}"
    );
    assert!(
        out.contains("audit_append_only"),
        "the missing trigger is named: {out}"
    );
    let mut a = as_user(&db, "auditor");
    let report = a.audit_patient(&mrn_of(&db, 6)).expect("report");
    assert_eq!(report.entries.len(), pid_before + 1, "only its own new row");
    assert!(report.entries.iter().all(|e| e.id > 0));
    assert!(
        a.audit_user("tech")
            .expect("user report")
            .entries
            .iter()
            .all(|e| e.id > 0 && e.action != "ssn_reveal")
    );
}

fn mrn_of(db: &Path, id: i64) -> String {
    raw(db)
        .query_row("SELECT mrn FROM patients WHERE id = ?", [id], |r| r.get(0))
        .expect("mrn")
}

#[test]
fn a_forged_previous_hash_is_refused() {
    let dir = tmp();
    let db = store(dir.path());
    activity(&db);
    let c = raw(&db);
    let (next, head): (i64, Vec<u8>) = c
        .query_row(
            "SELECT id + 1, hash FROM audit ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("head");
    let insert = "INSERT INTO audit(id,at,username,action,outcome,prev_hash,hash,enc) \
                  VALUES (?1,'2026-12-01T03:12:00Z','tech','chart_open','ok',?2,?3,2)";
    let mut wrong = head.clone();
    wrong[0] ^= 1;
    for prev in [wrong, vec![0u8; 32], vec![]] {
        let e = c
            .execute(insert, rusqlite::params![next, prev, vec![7u8; 32]])
            .expect_err("refused");
        assert!(e.to_string().contains("next row"), "{e}");
    }
    // The right previous hash with a made-up hash gets in, and verify names it.
    c.execute(insert, rusqlite::params![next, head, vec![7u8; 32]])
        .expect("a row with the right link");
    let v = as_user(&db, &admin()).audit_verify(None).expect("verify");
    assert_eq!(v.chain.first_bad.expect("caught").id, next);
    // Wrong types are refused at the door too.
    let e = c
        .execute(
            "INSERT INTO audit(id,at,username,action,outcome,prev_hash,hash,enc,detail) \
             SELECT id + 1, 'x', 'u', 'a', 'ok', hash, zeroblob(32), 2, x'00' FROM audit ORDER BY id DESC LIMIT 1",
            [],
        )
        .expect_err("a blob detail");
    assert!(e.to_string().contains("next row"), "{e}");
}

#[test]
fn values_of_another_type_change_the_hash() {
    let dir = tmp();
    let db = store(dir.path());
    activity(&db);
    let id = count(
        &db,
        "SELECT max(id) FROM audit WHERE detail IS NULL AND enc = 2",
    );
    assert!(id > 0);
    drop_triggers(&db);
    for (col, val) in [
        ("detail", "x''"),
        ("detail", "0"),
        ("detail", "0.0"),
        ("origin", "x'6c6f63616c'"),
        ("user_id", "'x'"),
        ("patient_id", "1.5"),
    ] {
        let before: Vec<u8> = raw(&db)
            .query_row(
                &format!("SELECT CAST({col} AS BLOB) FROM audit WHERE id = ?"),
                [id],
                |r| {
                    r.get::<_, Option<Vec<u8>>>(0)
                        .map(|v| v.unwrap_or_default())
                },
            )
            .expect("before");
        let kept = raw(&db)
            .query_row(
                &format!("SELECT quote({col}) FROM audit WHERE id = ?"),
                [id],
                |r| r.get::<_, String>(0),
            )
            .expect("quote");
        raw(&db)
            .execute(
                &format!("UPDATE audit SET {col} = {val} WHERE id = ?"),
                [id],
            )
            .expect("change the type");
        let v = as_user(&db, &admin()).audit_verify(None).expect("verify");
        let bad = v
            .chain
            .first_bad
            .unwrap_or_else(|| panic!("{col} = {val} passed"));
        assert_eq!(bad.id, id, "{col} = {val}");
        raw(&db)
            .execute(
                &format!("UPDATE audit SET {col} = {kept} WHERE id = ?"),
                [id],
            )
            .expect("put back");
        let _ = before;
    }
    // Text bytes that are not UTF-8 cannot hide behind one replacement character either.
    let text_id = count(&db, "SELECT max(id) FROM audit WHERE detail IS NOT NULL");
    raw(&db)
        .execute(
            "UPDATE audit SET detail = CAST(x'ff' AS TEXT) WHERE id = ?",
            [text_id],
        )
        .expect("invalid utf-8");
    let v = as_user(&db, &admin()).audit_verify(None).expect("verify");
    assert_eq!(v.chain.first_bad.expect("caught").id, text_id);
}

#[test]
fn a_chain_and_anchors_of_the_old_encoding_still_verify() {
    let dir = tmp();
    let db = store(dir.path());
    // Make the demo's trail look as a store before migration 5 left it: every row in the v1
    // encoding (enc NULL), re-chained, and an anchor of that chain written.
    drop_triggers(&db);
    raw(&db)
        .execute_batch("UPDATE audit SET enc = NULL")
        .expect("v1 rows");
    let sql = store::open_file(&db, OpenMode::Existing, None).expect("open");
    store::audit::backfill_chain(&sql).expect("v1 chain");
    let anchors = dir.path().join("anchors");
    let old = store::read_tx(&sql, |tx| {
        store::audit::current_anchor(tx, "2026-01-01T00:00:00Z")
    })
    .expect("anchor");
    std::fs::write(&anchors, format!("{}\n", old.to_line())).expect("anchor file");
    drop(sql);
    restore_triggers(&db);
    // New rows are written in v2 after the old ones; both verify, against the old anchor.
    activity(&db);
    assert!(count(&db, "SELECT count(*) FROM audit WHERE enc IS NULL") > 0);
    assert!(count(&db, "SELECT count(*) FROM audit WHERE enc = 2") > 0);
    let r = as_user(&db, &admin())
        .audit_verify(Some(&AnchorLog::read(&anchors)))
        .expect("verify");
    assert!(r.ok(), "{:?}", r.chain.first_bad);
    assert_eq!((r.chain.anchors_checked, r.exit_code()), (1, 0));
    // A v2 row relabelled v1 does not pass.
    drop_triggers(&db);
    let last = count(&db, "SELECT max(id) FROM audit");
    raw(&db)
        .execute("UPDATE audit SET enc = NULL WHERE id = ?", [last])
        .expect("relabel");
    let r = as_user(&db, &admin()).audit_verify(None).expect("verify");
    assert!(r.chain.first_bad.is_some());
}

#[test]
fn anchors_are_configured_outside_the_store_and_no_anchor_is_exit_7() {
    let dir = tmp();
    let db = store(dir.path());
    activity(&db);
    let none = dir.path().join("none.toml");
    // Nothing configured: the chain is fine, and verify says loudly it checked no anchor.
    let o = run_cfg(&db, &none, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(7), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("not anchored: a rewrite of the whole trail would not be detected")
    );
    assert!(stderr(&o).contains("not anchored"), "{}", stderr(&o));
    let j = run_cfg(&db, &none, &["audit", "verify", "--json"]);
    assert_eq!(j.status.code(), Some(7));
    let v: serde_json::Value = serde_json::from_str(&stdout(&j)).expect("json");
    assert_eq!(v["anchored"], false);
    // The store cannot say where anchors are any more.
    let o = run_cfg(
        &db,
        &none,
        &["site", "set", "audit_anchor_path", "/tmp/mine"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("system config"), "{}", stderr(&o));
    raw(&db)
        .execute(
            "INSERT INTO site_settings(key, value) VALUES ('audit_anchor_path', '/tmp/mine')",
            [],
        )
        .expect("a value planted in the store");
    assert_eq!(
        run_cfg(&db, &none, &["audit", "verify"]).status.code(),
        Some(7)
    );
    // The system config names the anchor file: anchor, then verify against it.
    let anchors = dir.path().join("anchors");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("audit_anchors = {:?}\n", anchors.display().to_string()),
    )
    .expect("config");
    let o = run_cfg(&db, &config, &["audit", "anchor"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run_cfg(&db, &config, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("against 1 anchor(s)"), "{}", stdout(&o));
    // Deleting the anchor file is a problem, not a pass.
    std::fs::remove_file(&anchors).expect("rm");
    let o = run_cfg(&db, &config, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    // A whole-trail rewrite against the configured anchors is caught.
    let o = run_cfg(&db, &config, &["audit", "anchor"]);
    assert_eq!(o.status.code(), Some(0));
    drop_triggers(&db);
    raw(&db)
        .execute("UPDATE audit SET username = 'nobody' WHERE id = 2", [])
        .expect("edit");
    let sql = store::open_file(&db, OpenMode::Existing, None).expect("open");
    store::audit::backfill_chain(&sql).expect("recompute");
    drop(sql);
    restore_triggers(&db);
    let o = run_cfg(&db, &config, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert!(stdout(&o).contains("rewritten"), "{}", stdout(&o));
    // A user's own anchor file is no way around the configured one when verify is run by the
    // auditor's cron (which uses the system config); and with --anchors it is their file
    // that is checked, named in the output.
    let mine = dir.path().join("mine");
    std::fs::write(&mine, "").expect("mine");
    let o = run_cfg(
        &db,
        &config,
        &["audit", "verify", "--anchors", mine.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(7), "{}", stdout(&o));
    assert!(stdout(&o).contains(mine.to_str().unwrap()));
}
