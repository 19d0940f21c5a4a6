//! Restricted records, the user's own record, SSN reveal, sessions (lock, unlock, lockout,
//! idle timeout), identity refusals and the user and site commands.

use chartroom::domain::Role;
use chartroom::service::{Access, ServiceError};

use super::common::{run, stderr, stdout, tmp};
use super::sec_support::*;

fn glass(reason: &str) -> Access {
    Access::BreakGlass {
        reason: reason.into(),
    }
}

fn a_restricted_record_needs_a_reason_and_alerts_the_privacy_officer(b: Backend) {
    let dir = tmp();
    let db = store_on(b, dir.path());
    let (mrn, doc) = restricted_patient(&db);
    let mut t = as_user(&db, "tech");
    // No reason: refused, distinct error, audited, no alert.
    let e = t.show(&mrn).expect_err("refused");
    assert!(
        matches!(&e, ServiceError::Restricted { kinds } if kinds == "restricted"),
        "{e:?}"
    );
    assert_eq!(e.exit_code(), 4);
    assert!(e.to_string().contains("needs a reason"), "{e}");
    let (_, action, outcome, _, _) = last_audit(&db);
    assert_eq!(
        (action.as_str(), outcome.as_str()),
        ("chart_open", "reason_required")
    );
    assert!(matches!(
        t.open_document(doc),
        Err(ServiceError::Restricted { .. })
    ));
    // An empty reason is no reason.
    let e = t.show_with(&mrn, &glass("   ")).expect_err("empty reason");
    assert!(matches!(e, ServiceError::Restricted { .. }), "{e:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM privacy_alerts"), 0);
    // With a reason: the chart, a break_glass row and an alert.
    let chart = t
        .show_with(&mrn, &glass("release request 4411"))
        .expect("opened");
    assert_eq!(chart.patient.mrn.as_str(), mrn);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit WHERE action = 'break_glass' AND detail LIKE '%release request 4411%'"
        ),
        1
    );
    assert_eq!(count(&db, "SELECT count(*) FROM privacy_alerts"), 1);
    // The rest of this session does not ask again; a new session (or after a lock) does.
    t.open_document(doc).expect("same session");
    t.lock().expect("lock");
    assert!(matches!(t.show(&mrn), Err(ServiceError::SessionLocked)));
    let mut t2 = as_user(&db, "tech");
    assert!(matches!(
        t2.show(&mrn),
        Err(ServiceError::Restricted { .. })
    ));
    // The privacy officer sees it; the technician may not.
    let mut p = as_user(&db, "privacy");
    let alerts = p.privacy_alerts(true).expect("queue");
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        (alerts[0].username.raw(), alerts[0].mrn.raw()),
        ("tech", mrn.as_str())
    );
    assert_eq!(alerts[0].reason, "release request 4411");
    assert!(matches!(
        as_user(&db, "tech").privacy_alerts(true),
        Err(ServiceError::Denied { .. })
    ));
    p.review_alert(alerts[0].id).expect("review");
    assert!(p.privacy_alerts(true).expect("queue").is_empty());
    assert_eq!(p.privacy_alerts(false).expect("all").len(), 1);
}

#[test]
fn the_shell_asks_for_a_reason_too() {
    let dir = tmp();
    let db = store(dir.path());
    let (mrn, _) = restricted_patient(&db);
    let o = run(&db, &["show", &mrn]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("--reason"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let o = run(&db, &["show", &mrn, "--reason", "chart completion audit"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("RESTRICTED"));
    let o = run(&db, &["alerts", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v[0]["reason"], "chart completion audit");
    assert_eq!(v[0]["mrn"], mrn.as_str());
}

#[test]
fn nobody_opens_their_own_record_even_with_a_reason() {
    let dir = tmp();
    let db = store(dir.path());
    let (mrn, doc) = plain_patient(&db);
    as_user(&db, &admin())
        .link_user_patient("tech", Some(&mrn))
        .expect("link");
    let mut t = as_user(&db, "tech");
    for access in [Access::Normal, glass("I am curious")] {
        let e = t.show_with(&mrn, &access).expect_err("own record");
        assert!(matches!(e, ServiceError::OwnRecord));
        assert_eq!(e.exit_code(), 4);
        let (who, action, outcome, _, detail) = last_audit(&db);
        assert_eq!(
            (who.as_str(), action.as_str(), outcome.as_str()),
            ("tech", "chart_open", "denied")
        );
        assert_eq!(detail.as_deref(), Some("reason=own_record"));
    }
    assert!(matches!(t.open_document(doc), Err(ServiceError::OwnRecord)));
    assert_eq!(count(&db, "SELECT count(*) FROM privacy_alerts"), 0);
    // Others still can.
    as_user(&db, "coder")
        .show(&mrn)
        .expect("a colleague opens it");
}

#[test]
fn ssns_show_the_last_four_and_reveal_is_permitted_and_audited() {
    let dir = tmp();
    let db = store(dir.path());
    let mrn: String = raw(&db)
        .query_row(
            "SELECT mrn FROM patients WHERE ssn IS NOT NULL AND restricted = 0 AND employee = 0 AND part2 = 0 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("a patient with an SSN");
    let ssn: String = raw(&db)
        .query_row("SELECT ssn FROM patients WHERE mrn = ?", [&mrn], |r| {
            r.get(0)
        })
        .expect("ssn");
    let chart = as_user(&db, "tech").show(&mrn).expect("show");
    assert_eq!(
        chart.ssn_shown.as_deref(),
        Some(format!("***-**-{}", &ssn[5..]).as_str())
    );
    assert!(matches!(
        as_user(&db, "tech").reveal_ssn(&mrn),
        Err(ServiceError::Denied { .. })
    ));
    let full = as_user(&db, "roi")
        .reveal_ssn(&mrn)
        .expect("reveal")
        .expect("an SSN");
    assert_eq!(full.replace('-', ""), ssn);
    let (who, action, outcome, _, _) = last_audit(&db);
    assert_eq!(
        (who.as_str(), action.as_str(), outcome.as_str()),
        ("roi", "ssn_reveal", "ok")
    );
    // The shell: masked by default, whole with --reveal-ssn.
    become_user(&db, "roi");
    let formatted = format!("{}-{}-{}", &ssn[..3], &ssn[3..5], &ssn[5..]);
    let o = run(&db, &["show", &mrn]);
    assert!(stdout(&o).contains(&format!("***-**-{}", &ssn[5..])));
    assert!(!stdout(&o).contains(&formatted));
    let o = run(&db, &["show", &mrn, "--reveal-ssn"]);
    assert!(stdout(&o).contains(&formatted), "{}", stdout(&o));
}

#[test]
fn five_wrong_passwords_lock_the_account_until_a_supervisor_unlocks_it() {
    let dir = tmp();
    let db = store(dir.path());
    as_user(&db, &admin())
        .set_password(Some("tech"), None, "right-password")
        .expect("passwd");
    let mut t = as_user(&db, "tech");
    t.lock().expect("lock");
    for left in (1..=4).rev() {
        let e = t.unlock("wrong-password").expect_err("wrong");
        assert!(
            matches!(e, ServiceError::WrongPassword { left: l } if l == left),
            "{e:?}"
        );
        assert!(e.to_string().contains("password is wrong"), "{e}");
        assert_eq!(e.exit_code(), 4);
    }
    let e = t.unlock("wrong-password").expect_err("fifth");
    assert!(matches!(e, ServiceError::Locked(_)), "{e:?}");
    assert!(e.to_string().contains("supervisor"), "{e}");
    assert_eq!(
        count(&db, "SELECT locked FROM users WHERE username = 'tech'"),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit WHERE action = 'failed_unlock' AND username = 'tech'"
        ),
        5
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit WHERE action = 'account_locked'"
        ),
        1
    );
    // Even the right password does not help now, and a new session is refused.
    assert!(matches!(
        t.unlock("right-password"),
        Err(ServiceError::Locked(_))
    ));
    // Here the screens' session stays locked; a records server has ended the session (a
    // locked account ends every session at once), so the next request hears why.
    let r = t.find("smith", 3);
    if served() {
        assert!(matches!(r, Err(ServiceError::Locked(_))), "{r:?}");
    } else {
        assert!(matches!(r, Err(ServiceError::SessionLocked)), "{r:?}");
    }
    assert!(matches!(
        try_as_user(&db, "tech"),
        Err(ServiceError::Locked(_))
    ));
    // A technician cannot unlock; a supervisor can.
    assert!(matches!(
        as_user(&db, "coder").unlock_user("tech"),
        Err(ServiceError::Denied { .. })
    ));
    as_user(&db, "supervisor")
        .unlock_user("tech")
        .expect("unlock");
    let mut t = as_user(&db, "tech");
    t.lock().expect("lock");
    t.unlock("right-password").expect("resumes");
    t.find("smith", 3).expect("works");
}

#[test]
fn refused_identities_get_a_clear_message_and_lose_nothing() {
    let dir = tmp();
    let db = store(dir.path());
    let patients = count(&db, "SELECT count(*) FROM patients");
    // Unmapped login.
    let e = try_as_user(&db, "stranger").err().expect("refused");
    assert!(matches!(e, ServiceError::UnknownLogin(_)));
    assert!(e.to_string().contains("not a chartroom user"), "{e}");
    assert!(e.to_string().contains("chartroom user add"), "{e}");
    let (who, action, outcome, _, detail) = last_audit(&db);
    assert_eq!(
        (who.as_str(), action.as_str(), outcome.as_str()),
        ("(unmapped)", "login_refused", "denied")
    );
    assert_eq!(detail.as_deref(), Some("reason=unknown_login"));
    // Disabled user.
    as_user(&db, &admin())
        .set_user_disabled("coder", true)
        .expect("disable");
    let e = try_as_user(&db, "coder").err().expect("refused");
    assert!(matches!(e, ServiceError::Disabled(_)));
    assert!(e.to_string().contains("disabled"), "{e}");
    assert_eq!(e.exit_code(), 4);
    let (who, action, _, _, _) = last_audit(&db);
    assert_eq!((who.as_str(), action.as_str()), ("coder", "login_refused"));
    // The shell: an unmapped OS login.
    become_user(&db, "nobody-at-all");
    let o = run(&db, &["find", "smith"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).contains("is not a chartroom user"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM patients"),
        patients,
        "nothing lost"
    );
    assert!(
        as_user(&db, "tech").audit_verify(None).is_err(),
        "tech may not read the audit"
    );
}

#[test]
fn the_session_api_for_the_screens() {
    let dir = tmp();
    let db = store(dir.path());
    let mut a = as_user(&db, &admin());
    a.set_password(Some("tech"), None, "right-password")
        .expect("passwd");
    let mut t = as_user(&db, "tech");
    let info = t.login().expect("login");
    assert!(!info.must_unlock);
    assert_eq!(info.idle_timeout_s, 300);
    assert!(info.has_password);
    a.site_set("idle_timeout_s", "900").expect("site");
    assert_eq!(t.effective_idle_timeout().expect("t"), 900);
    a.set_user_idle("tech", Some(120)).expect("user idle");
    assert_eq!(t.effective_idle_timeout().expect("t"), 120);
    assert!(matches!(
        a.site_set("idle_timeout_s", "10"),
        Err(ServiceError::Usage(_))
    ));
    assert!(matches!(
        a.site_set("no_such_key", "1"),
        Err(ServiceError::Usage(_))
    ));
    assert!(matches!(
        t.site_set("idle_timeout_s", "60"),
        Err(ServiceError::Denied { .. })
    ));
    // The site asks for the password at start: the session starts locked.
    a.site_set("require_password_at_start", "true")
        .expect("site");
    let mut t = as_user(&db, "tech");
    assert!(t.login().expect("login").must_unlock);
    assert!(t.is_locked());
    assert!(matches!(
        t.find("smith", 3),
        Err(ServiceError::SessionLocked)
    ));
    t.unlock("right-password").expect("unlock");
    t.find("smith", 3).expect("works");
    // No password yet: a clear message.
    let mut c = as_user(&db, "coder");
    c.lock().expect("lock");
    let e = c.unlock("anything").expect_err("no password");
    assert!(e.to_string().contains("no password yet"), "{e}");
}

#[test]
fn user_and_site_commands_in_the_shell() {
    let dir = tmp();
    let db = store(dir.path());
    let o = run(
        &db,
        &[
            "user",
            "add",
            "jdoe",
            "--role",
            "coder",
            "--login",
            "jdoe",
            "--full-name",
            "Jo Doe",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(
        &db,
        &[
            "user",
            "add",
            "jdoe2",
            "--role",
            "wizard",
            "--full-name",
            "X",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the roles are"), "{}", stderr(&o));
    let o = run(&db, &["user", "role", "jdoe", "supervisor"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (_, action, _, _, detail) = last_audit(&db);
    assert_eq!(action, "role_change");
    assert!(
        detail
            .expect("detail")
            .contains(r#""before":{"disabled":false"#)
    );
    let o = run_with_stdin(
        &db,
        &["user", "passwd", "jdoe", "--passphrase-fd", "0"],
        "a-good-password\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let hash: String = raw(&db)
        .query_row(
            "SELECT password_hash FROM users WHERE username = 'jdoe'",
            [],
            |r| r.get(0),
        )
        .expect("hash");
    assert!(hash.starts_with("$argon2id$") && !hash.contains("a-good-password"));
    let o = run_with_stdin(
        &db,
        &["user", "passwd", "jdoe", "--passphrase-fd", "0"],
        "short\n",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("too short"));
    let o = run(&db, &["user", "set-idle", "jdoe", "600"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&db, &["user", "disable", "jdoe"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&db, &["user", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let j = v
        .as_array()
        .expect("array")
        .iter()
        .find(|u| u["username"] == "jdoe")
        .expect("jdoe")
        .clone();
    assert_eq!(
        (
            j["role"].as_str(),
            j["disabled"].as_bool(),
            j["idle_timeout_s"].as_i64()
        ),
        (Some("supervisor"), Some(true), Some(600))
    );
    assert!(j.get("password_hash").is_none());
    let o = run(&db, &["site", "set", "credential_store", "keyutils"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&db, &["site", "show", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let cs = v
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["key"] == "credential_store")
        .expect("key")
        .clone();
    assert_eq!(cs["value"], "keyutils");
    // The last administrator cannot be demoted.
    let o = run(&db, &["user", "role", &admin(), "coder"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // A technician may not manage users or site policy.
    become_user(&db, "tech");
    let o = run(&db, &["site", "set", "idle_timeout_s", "60"]);
    assert_eq!(o.status.code(), Some(4));
    let o = run(
        &db,
        &["user", "add", "x", "--role", "admin", "--full-name", "X"],
    );
    assert_eq!(o.status.code(), Some(4));
    let _ = Role::Admin;
}

#[test]
fn your_own_password_needs_the_current_one_through_the_fd() {
    let dir = tmp();
    let db = store(dir.path());
    let args = ["user", "passwd", "--passphrase-fd", "0"];
    let o = run_with_stdin(&db, &args, "first-password\n");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run_with_stdin(&db, &args, "not-the-current\nsecond-password\n");
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("password is wrong"), "{}", stderr(&o));
    let failures = format!(
        "SELECT failed_unlocks FROM users WHERE username = '{}'",
        admin()
    );
    assert_eq!(
        count(&db, &failures),
        1,
        "a wrong current password counts toward the lockout"
    );
    let o = run_with_stdin(&db, &args, "first-password\nsecond-password\n");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(count(&db, &failures), 0);
    let mut a = as_user(&db, &admin());
    a.lock().expect("lock");
    assert!(a.unlock("first-password").is_err());
    a.unlock("second-password").expect("the new one works");
}

#[test]
fn a_part2_document_needs_a_reason_even_on_an_ordinary_chart() {
    let dir = tmp();
    let db = store(dir.path());
    let (mrn, doc) = plain_patient(&db);
    raw(&db)
        .execute("UPDATE documents SET part2 = 1 WHERE id = ?", [doc])
        .expect("flag the document");
    let mut t = as_user(&db, "tech");
    t.show(&mrn).expect("the chart itself is ordinary");
    let e = t.open_document(doc).expect_err("the document is not");
    assert!(
        matches!(&e, ServiceError::Restricted { kinds } if kinds == "part2"),
        "{e:?}"
    );
    t.open_document_with(doc, &glass("coding the SUD encounter"))
        .expect("with a reason");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM privacy_alerts WHERE action = 'document_open'"
        ),
        1
    );
    // Alerts are append-only apart from their review.
    let c = raw(&db);
    assert!(c.execute("DELETE FROM privacy_alerts", []).is_err());
    assert!(
        c.execute("UPDATE privacy_alerts SET reason = 'x'", [])
            .is_err()
    );
}

on_both!(a_restricted_record_needs_a_reason_and_alerts_the_privacy_officer,);

served_twins!(
    a_restricted_record_needs_a_reason_and_alerts_the_privacy_officer,
    nobody_opens_their_own_record_even_with_a_reason,
    ssns_show_the_last_four_and_reveal_is_permitted_and_audited,
    five_wrong_passwords_lock_the_account_until_a_supervisor_unlocks_it,
    refused_identities_get_a_clear_message_and_lose_nothing,
    the_session_api_for_the_screens,
    your_own_password_needs_the_current_one_through_the_fd,
    a_part2_document_needs_a_reason_even_on_an_ordinary_chart,
);
