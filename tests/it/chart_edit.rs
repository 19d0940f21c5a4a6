//! Editing with history and no lost updates: the service, the shell, and two processes
//! saving the same field of one file store at once.

use chartroom::domain::PatientInput;
use chartroom::domain::edit::{Edit, Entity};
use chartroom::service::{Access, Conn, ServiceError};

use super::common::*;

fn register(svc: &mut Conn) -> String {
    svc.add_patient(&PatientInput {
        family: "Quinlan".into(),
        given: "Harriet".into(),
        dob: "1966-04-05".into(),
        sex: "F".into(),
        phone: Some("555-201-3344".into()),
        ..Default::default()
    })
    .expect("registered")
    .mrn
}

fn version(svc: &mut Conn, mrn: &str) -> i64 {
    svc.show(mrn).expect("chart").patient.version
}

#[test]
fn a_save_against_a_stale_version_is_refused_with_the_other_change_and_nothing_is_lost() {
    let dir = tmp();
    let db = demo_store(dir.path(), 20);
    let mut a = service(&db);
    let mut b = service(&db);
    let mrn = register(&mut a);
    let v = version(&mut a, &mrn);
    // Both opened the chart at version v; a saves first.
    let saved = a
        .edit_patient(
            &mrn,
            &Edit::new(Some(v)).set("address", "12 Elm St"),
            &Access::Normal,
        )
        .unwrap();
    assert_eq!(saved.version, v + 1);
    assert_eq!(saved.changes.len(), 1);
    assert_eq!(saved.changes[0].before, None);
    assert_eq!(saved.changes[0].after.as_ref().unwrap().raw(), "12 Elm St");
    let err = b
        .edit_patient(
            &mrn,
            &Edit::new(Some(v)).set("address", "99 Oak Ave"),
            &Access::Normal,
        )
        .unwrap_err();
    assert_eq!(err.exit_code(), 5);
    assert!(err.to_string().contains("changed by someone else"), "{err}");
    let ServiceError::Changed { version, theirs } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*version, v + 1);
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].after.as_ref().unwrap().raw(), "12 Elm St");
    // Nothing of b's was saved; a's change stands.
    let p = b.show(&mrn).unwrap().patient;
    assert_eq!(p.address.unwrap().raw(), "12 Elm St");
    // b re-applies on the version now: saved, and both changes are in the history.
    b.edit_patient(
        &mrn,
        &Edit::new(Some(v + 1)).set("address", "99 Oak Ave"),
        &Access::Normal,
    )
    .unwrap();
    let h = a.chart_history(&mrn, &Access::Normal).unwrap();
    let addr: Vec<_> = h.iter().filter(|c| c.field == "address").collect();
    assert_eq!(addr.len(), 2);
    assert_eq!(addr[0].before.as_ref().unwrap().raw(), "12 Elm St");
    assert_eq!(addr[0].after.as_ref().unwrap().raw(), "99 Oak Ave");
    assert_eq!(addr[0].username.raw(), addr[1].username.raw());
    assert!(addr[0].at.raw().starts_with("2026-11-26"));
}

#[test]
fn restoring_an_old_value_is_a_new_change_that_names_the_one_it_restores() {
    let dir = tmp();
    let db = demo_store(dir.path(), 20);
    let mut s = service(&db);
    let mrn = register(&mut s);
    let first = s
        .edit_patient(
            &mrn,
            &Edit::new(None).set("phone", "555-201-9999"),
            &Access::Normal,
        )
        .unwrap();
    let id = first.changes[0].id;
    let back = s
        .restore_change(&mrn, id, Some(first.version), &Access::Normal)
        .unwrap();
    assert_eq!(back.version, first.version + 1);
    assert_eq!(back.changes[0].restores, Some(id));
    assert_eq!(back.changes[0].after.as_ref().unwrap().raw(), "5552013344");
    let h = s.chart_history(&mrn, &Access::Normal).unwrap();
    assert_eq!(h.len(), 2, "the first change is still there");
    assert_eq!(h[1].id, id);
    assert_eq!(
        s.show(&mrn).unwrap().patient.phone.unwrap().digits(),
        "5552013344"
    );
    // The history cannot be rewritten behind chartroom's back.
    let c = rusqlite::Connection::open(&db).unwrap();
    assert!(c.execute("UPDATE changes SET after = 'x'", []).is_err());
    assert!(c.execute("DELETE FROM changes", []).is_err());
}

#[test]
fn bad_input_names_each_field_and_saves_nothing_half_way() {
    let dir = tmp();
    let db = demo_store(dir.path(), 20);
    let mut s = service(&db);
    let mrn = register(&mut s);
    let v = version(&mut s, &mrn);
    let long = "A".repeat(10_000);
    for (field, value, says) in [
        ("dob", "2031-02-03", "future"),
        ("dob", "1970-02-30", "not valid"),
        ("dob", "1970- 1- 1", "not valid"),
        ("address", long.as_str(), "too long"),
        ("city", "Spring\u{1b}[2Jfield", "control characters"),
        ("family", "Qu\u{202e}inlan", "U+202E"),
        ("family", "   ", "missing"),
        ("phone", "123", "not valid"),
    ] {
        // A good field beside the bad one: neither is saved.
        let e = Edit::new(Some(v)).set("suffix", "Jr").set(field, value);
        let err = s.edit_patient(&mrn, &e, &Access::Normal).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{field}: {err}");
        let ServiceError::Fields(bad) = &err else {
            panic!("{err:?}")
        };
        assert!(bad.iter().any(|b| b.field == field), "{field}: {bad:?}");
        assert!(err.to_string().contains(says), "{field}: {err}");
    }
    let p = s.show(&mrn).unwrap().patient;
    assert_eq!(p.version, v);
    assert_eq!(p.address, None);
    assert_eq!(p.suffix, None);
    assert!(s.chart_history(&mrn, &Access::Normal).unwrap().is_empty());
}

#[test]
fn a_new_name_is_found_by_search_and_the_old_one_no_longer() {
    let dir = tmp();
    let db = demo_store(dir.path(), 20);
    let mut s = service(&db);
    let mrn = register(&mut s);
    s.edit_patient(
        &mrn,
        &Edit::new(None).set("family", "Zebediah"),
        &Access::Normal,
    )
    .unwrap();
    let found = s.find("zebediah harriet", 5).unwrap();
    assert!(found.iter().any(|f| f.row.mrn.raw() == mrn));
    let found = s.find("quinlan harriet 1966-04-05", 5).unwrap();
    assert!(!found.iter().any(|f| f.row.mrn.raw() == mrn));
    assert!(s.check().unwrap().is_empty());
}

#[test]
fn encounters_and_documents_keep_history_and_refuse_stale_saves() {
    let dir = tmp();
    let db = demo_store(dir.path(), 40);
    let mut s = service(&db);
    let mut other = service(&db);
    let chart = (10_000_001..10_000_040)
        .filter_map(|m| s.show(&m.to_string()).ok())
        .find(|c| !c.encounters.is_empty() && !c.documents.is_empty())
        .expect("a chart with encounters and documents");
    let mrn = chart.patient.mrn.to_string();
    let enc = &chart.encounters[0];
    let acct = enc.account_number.raw().to_string();
    let saved = s
        .edit_encounter(
            &acct,
            &Edit::new(Some(enc.version)).set("service", "Cardiology"),
            &Access::Normal,
        )
        .unwrap();
    let err = other
        .edit_encounter(
            &acct,
            &Edit::new(Some(enc.version)).set("service", "Neurology"),
            &Access::Normal,
        )
        .unwrap_err();
    assert_eq!(err.exit_code(), 5, "{err}");
    // Never discharged before admitted.
    let err = s
        .edit_encounter(
            &acct,
            &Edit::new(Some(saved.version)).set("discharge_at", "1999-01-01 10:00"),
            &Access::Normal,
        )
        .unwrap_err();
    assert!(err.to_string().contains("before the admission"), "{err}");
    let doc = &chart.documents[0];
    s.edit_document(
        doc.id,
        &Edit::new(Some(doc.version)).set("title", "Discharge summary (corrected)"),
        &Access::Normal,
    )
    .unwrap();
    let h = s.chart_history(&mrn, &Access::Normal).unwrap();
    let kinds: Vec<_> = h.iter().map(|c| c.entity).collect();
    assert_eq!(kinds, [Entity::Document, Entity::Encounter]);
    assert_eq!(h[1].record.raw(), acct);
    let again = s.show(&mrn).unwrap();
    assert_eq!(
        again.encounters[0].service.as_ref().unwrap().raw(),
        "Cardiology"
    );
}

#[test]
fn two_processes_saving_the_same_field_one_wins_the_other_exits_5_and_nothing_is_lost() {
    let dir = tmp();
    let db = demo_store(dir.path(), 20);
    let mrn = register(&mut service(&db));
    let o = run(&db, &["show", &mrn, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ver = v["patient"]["version"].as_i64().unwrap().to_string();
    // Two clerks' commands, started together on the same version.
    let spawn = |phone: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_chartroom"))
            .arg("--db")
            .arg(&db)
            .args(["patient", "edit", &mrn, "--phone", phone, "--version", &ver])
            .env_remove("CHARTROOM_DB")
            .env(
                "CHARTROOM_SYSTEM_CONFIG",
                "/nonexistent/chartroom-tests.toml",
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (p1, p2) = (spawn("555-201-1111"), spawn("555-201-2222"));
    let (o1, o2) = (
        p1.wait_with_output().unwrap(),
        p2.wait_with_output().unwrap(),
    );
    let mut codes = [o1.status.code(), o2.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(5)], "{} {}", stderr(&o1), stderr(&o2));
    let (won, lost, digits) = if o1.status.code() == Some(0) {
        (&o1, &o2, "5552011111")
    } else {
        (&o2, &o1, "5552012222")
    };
    assert!(stdout(won).contains("Saved as version"), "{}", stdout(won));
    assert!(
        stderr(lost).contains("changed by someone else"),
        "{}",
        stderr(lost)
    );
    assert_eq!(stderr(lost).lines().count(), 1, "one line on stderr");
    let o = run(&db, &["patient", "history", &mrn, "--json"]);
    let h: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["field"], "phone");
    assert_eq!(h[0]["after"], digits);
    // The refused clerk makes the change again on the version now: saved.
    let o = run(
        &db,
        &[
            "patient",
            "edit",
            &mrn,
            "--phone",
            "555-201-3333",
            "--version",
            &(ver.parse::<i64>().unwrap() + 1).to_string(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&db, &["patient", "history", &mrn]);
    assert_eq!(stdout(&o).lines().count(), 2, "{}", stdout(&o));
    assert!(stdout(&o).contains("(555) 201-3333") || stdout(&o).contains("555-201-3333"));
    let o = run(&db, &["patient", "edit", &mrn, "--dob", "2099-01-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("in the future"), "{}", stderr(&o));
}
