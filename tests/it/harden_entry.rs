//! Issue 11, values refused or flagged at entry (birth dates, SSNs, phones, invisible
//! characters in names), a long one-word name that is registered and then found, and
//! parallel wrong passwords that lock the account after exactly five counted failures.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use chartroom::domain::PatientInput;
use chartroom::service::ServiceError;

use super::common::{stderr, stdout, tmp};
use super::sec_support::*;

fn bin(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CHARTROOM_DB")
        .env(
            "CHARTROOM_SYSTEM_CONFIG",
            "/nonexistent/chartroom-tests.toml",
        )
        .output()
        .expect("run")
}

fn add(db: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "patient",
        "add",
        "--family",
        "Entrytest",
        "--given",
        "Ann",
        "--dob",
        "1970-01-01",
        "--sex",
        "F",
    ];
    args.extend_from_slice(extra);
    bin(db, &args)
}

fn input(family: &str) -> PatientInput {
    PatientInput {
        family: family.into(),
        given: "Ann".into(),
        dob: "1970-01-01".into(),
        sex: "F".into(),
        ..Default::default()
    }
}

#[test]
fn a_birth_date_with_spaces_is_refused() {
    let dir = tmp();
    let db = store(dir.path());
    for dob in [
        "1970- 1- 1",
        "1970-1-1",
        " 1/ 1/1970",
        "1970-01-01x",
        "+1970-01-01",
    ] {
        let o = bin(
            &db,
            &[
                "patient", "add", "--family", "Datetest", "--given", "A", "--dob", dob, "--sex",
                "F",
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{dob:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("is not valid"), "{}", stderr(&o));
    }
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM patients WHERE family = 'Datetest'"
        ),
        0
    );
}

#[test]
fn never_issued_ssns_are_refused_and_placeholders_are_stored_as_unknown() {
    let dir = tmp();
    let db = store(dir.path());
    for ssn in [
        "666-12-3456",
        "000-12-3456",
        "123-00-4567",
        "123-45-0000",
        "1-2-3-4-5-6-7-8-9",
        "12-345-6789",
    ] {
        let o = add(&db, &["--ssn", ssn]);
        assert_eq!(o.status.code(), Some(2), "{ssn}: {}", stderr(&o));
        assert!(
            !stderr(&o).contains(ssn),
            "the refusal does not echo the number"
        );
    }
    // 9xx (the demo's area) is kept.
    let o = add(&db, &["--ssn", "912-34-5678"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The feeds' "unknown": stored as no SSN, with a note, matching nobody.
    let mut mrns = Vec::new();
    for ssn in ["000-00-0000", "999-99-9999", "999999999"] {
        let o = add(&db, &["--ssn", ssn]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stderr(&o).contains("which means unknown"), "{}", stderr(&o));
        mrns.push(stdout(&o).trim().to_string());
    }
    let stored: i64 = count(
        &db,
        &format!(
            "SELECT count(*) FROM patients WHERE mrn IN ('{}') AND ssn IS NULL AND ssn_last4 IS NULL AND ssn_note LIKE '%unknown%'",
            mrns.join("','")
        ),
    );
    assert_eq!(stored, 3);
    let o = bin(&db, &["find", "9999"]);
    let found = stdout(&o);
    assert!(mrns.iter().all(|m| !found.contains(m.as_str())), "{found}");
    let o = bin(&db, &["show", &mrns[1]]);
    assert!(stdout(&o).contains("SSN unknown"), "{}", stdout(&o));
    assert!(stdout(&o).contains("999-99-9999, which means unknown"));
    // The second placeholder patient is no likely duplicate of the first by SSN.
    let mut s = as_user(&db, &admin());
    let out = s
        .add_patient(&PatientInput {
            ssn: Some("999-99-9999".into()),
            ..input("Otherperson")
        })
        .expect("add");
    assert!(
        out.likely_duplicates.is_empty(),
        "{:?}",
        out.likely_duplicates
    );
}

#[test]
fn phones_follow_the_nanp_rules_and_e164_is_accepted() {
    let dir = tmp();
    let db = store(dir.path());
    for bad in [
        "000-000-0000",
        "155-201-3344",
        "555-101-3344",
        "+1 055 201 3344",
        "12345",
    ] {
        let o = add(&db, &["--phone", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
    }
    for (good, stored) in [
        ("555-201-3344", "5552013344"),
        ("+1 (555) 201-3344", "5552013344"),
        ("+44 20 7946 0958", "+442079460958"),
    ] {
        let o = add(&db, &["--phone", good]);
        assert_eq!(o.status.code(), Some(0), "{good}: {}", stderr(&o));
        let mrn = stdout(&o).trim().to_string();
        let p: String = raw(&db)
            .query_row("SELECT phone FROM patients WHERE mrn = ?", [&mrn], |r| {
                r.get(0)
            })
            .expect("phone");
        assert_eq!(p, stored);
        let o = bin(&db, &["show", &mrn]);
        assert_eq!(o.status.code(), Some(0));
    }
}

#[test]
fn bidi_controls_and_invisible_characters_are_refused_by_name_and_joiners_kept() {
    let dir = tmp();
    let db = store(dir.path());
    for (c, code) in [
        ('\u{202A}', "U+202A"),
        ('\u{202B}', "U+202B"),
        ('\u{202C}', "U+202C"),
        ('\u{202D}', "U+202D"),
        ('\u{202E}', "U+202E"),
        ('\u{2066}', "U+2066"),
        ('\u{2067}', "U+2067"),
        ('\u{2068}', "U+2068"),
        ('\u{2069}', "U+2069"),
        ('\u{200B}', "U+200B"),
        ('\u{FEFF}', "U+FEFF"),
    ] {
        let family = format!("Smi{c}th");
        let o = bin(
            &db,
            &[
                "patient",
                "add",
                "--family",
                &family,
                "--given",
                "A",
                "--dob",
                "1970-01-01",
                "--sex",
                "F",
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{code}");
        let err = stderr(&o);
        assert!(err.contains(code) && err.contains("family name"), "{err}");
        assert!(!err.contains(c), "the character itself is not echoed");
    }
    let mut s = as_user(&db, &admin());
    let e = s.add_patient(&PatientInput {
        given: "A\u{2067}nn".into(),
        ..input("Fine")
    });
    assert!(matches!(e, Err(ServiceError::Invalid(_))));
    // Persian and Indic names keep their joiners.
    for name in ["مهر\u{200C}آرا", "क\u{094D}\u{200D}षमा"] {
        let out = s.add_patient(&input(name)).expect("a name with a joiner");
        let stored: String = raw(&db)
            .query_row(
                "SELECT family FROM patients WHERE mrn = ?",
                [&out.mrn],
                |r| r.get(0),
            )
            .expect("stored");
        assert_eq!(stored, name);
    }
}

#[test]
fn a_one_word_name_of_41_to_80_letters_is_registered_and_found() {
    let dir = tmp();
    let db = store(dir.path());
    for n in [41usize, 60, 80] {
        let family: String = "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewisse"
            .chars()
            .cycle()
            .take(n)
            .collect();
        let o = bin(
            &db,
            &[
                "patient",
                "add",
                "--family",
                &family,
                "--given",
                "Hubert",
                "--dob",
                "1970-01-01",
                "--sex",
                "M",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{n}: {}", stderr(&o));
        let mrn = stdout(&o).trim().to_string();
        let o = bin(&db, &["find", &family]);
        assert_eq!(o.status.code(), Some(0), "{n}: {}", stderr(&o));
        assert!(stdout(&o).contains(&mrn), "{n}: {}", stdout(&o));
        let o = bin(&db, &["find", &family.to_lowercase(), "hubert"]);
        assert!(stdout(&o).contains(&mrn), "{n}");
    }
    // 81 letters is more than a name field takes.
    let o = bin(
        &db,
        &[
            "patient",
            "add",
            "--family",
            &"a".repeat(81),
            "--given",
            "B",
            "--dob",
            "1970-01-01",
            "--sex",
            "M",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn twenty_parallel_wrong_passwords_lock_after_exactly_five_all_audited() {
    let dir = tmp();
    let db = store(dir.path());
    as_user(&db, &admin())
        .set_password(Some("tech"), None, "the-right-password")
        .expect("passwd");
    become_user(&db, "tech");
    let before = count(&db, "SELECT max(id) FROM audit");
    let children: Vec<_> = (0..20)
        .map(|i| {
            let mut c = Command::new(env!("CARGO_BIN_EXE_chartroom"));
            c.arg("--db")
                .arg(&db)
                .args(["user", "passwd", "--passphrase-fd", "0"])
                .env_remove("CHARTROOM_DB")
                .env(
                    "CHARTROOM_SYSTEM_CONFIG",
                    "/nonexistent/chartroom-tests.toml",
                )
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = c.spawn().expect("spawn");
            use std::io::Write;
            let mut w = child.stdin.take().expect("stdin");
            let _ = w.write_all(format!("wrong-guess-{i}\nnew-password-{i}\n").as_bytes());
            drop(w);
            child
        })
        .collect();
    let mut codes = Vec::new();
    for c in children {
        let o = c.wait_with_output().expect("wait");
        let err = stderr(&o);
        assert!(!err.contains("someone else changed"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        codes.push(o.status.code());
    }
    assert!(codes.iter().all(|c| *c == Some(4)), "{codes:?}");
    let (failed, locked): (i64, bool) = raw(&db)
        .query_row(
            "SELECT failed_unlocks, locked FROM users WHERE username = 'tech'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("tech");
    assert_eq!((failed, locked), (5, true));
    let counted = count(
        &db,
        &format!(
            "SELECT count(*) FROM audit WHERE id > {before} AND action = 'failed_unlock' AND detail LIKE 'failures=%'"
        ),
    );
    assert_eq!(counted, 5, "exactly five counted");
    let locked_rows = count(
        &db,
        &format!("SELECT count(*) FROM audit WHERE id > {before} AND action = 'account_locked'"),
    );
    assert_eq!(locked_rows, 1);
    // Every try left a row: counted, refused as locked at the check, or refused at the door.
    let refused = count(
        &db,
        &format!(
            "SELECT count(*) FROM audit WHERE id > {before} AND username = 'tech' AND outcome = 'denied' \
             AND (action = 'failed_unlock' OR action = 'login_refused')"
        ),
    );
    assert_eq!(refused, 20, "all twenty audited");
    // The right password is never "changed by someone else" either: the account is locked.
    let o = {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_chartroom"))
            .arg("--db")
            .arg(&db)
            .args(["user", "passwd", "--passphrase-fd", "0"])
            .env_remove("CHARTROOM_DB")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut w = child.stdin.take().expect("stdin");
        let _ = w.write_all(b"the-right-password\nnew-password-x\n");
        drop(w);
        child.wait_with_output().expect("wait")
    };
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("locked"), "{}", stderr(&o));
}

#[test]
fn a_recovery_passphrase_typed_with_spaces_instead_of_dashes_opens_the_store() {
    let dir = tmp();
    let (db, rec) = super::crypt::init_encrypted(dir.path(), "prompt");
    for typed in [
        rec.replace('-', " "),
        rec.to_lowercase().replace('-', "  "),
        rec.replace('-', ""),
        rec.clone(),
    ] {
        let o = super::crypt::run_with(
            &db,
            "prompt",
            Some(&format!("{typed}\n")),
            &["find", "nobody"],
        );
        assert_eq!(o.status.code(), Some(1), "{typed:?}: {}", stderr(&o));
    }
    let o = super::crypt::run_with(&db, "prompt", Some("ABCDE FGHJK\n"), &["find", "nobody"]);
    assert_eq!(o.status.code(), Some(4));
}
