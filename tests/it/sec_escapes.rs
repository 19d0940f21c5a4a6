//! Escape sequences in the data never reach a terminal: a patient, an encounter, a document,
//! codes, audit rows and a privacy alert are given ESC, OSC 52 (clipboard), OSC 0 (window
//! title), CSI, a C1 CSI and a bidi override in every text field, written straight into the
//! store as a feed or a hostile user could; then every shell output and every screen is read.

use std::path::Path;

use chartroom::tui::Msg;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::common::{run, stderr, stdout, tmp};
use super::sec_support::*;
use super::tui::support::{feed, key, screen, state_as, type_str};

/// Clipboard write, screen clear, window title, a C1 CSI, and a right-to-left override.
const POISON: &str =
    "\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m\u{202e}exe.txt\u{200b}";

fn clean(what: &str, out: &str) {
    for bad in ['\u{1b}', '\u{202e}', '\u{9b}', '\u{7}', '\u{200b}'] {
        assert!(
            !out.contains(bad),
            "{what}: a raw {:?} reached the output:\n{out}",
            bad
        );
    }
}

/// Poisons every free-text field of one patient's record; returns its MRN.
fn poison(db: &Path) -> String {
    let (mrn, _) = plain_patient(db);
    let c = raw(db);
    let p = POISON;
    c.execute(
        "UPDATE patients SET family = 'Fam' || ?1, given = 'Giv' || ?1, middle = ?1, suffix = ?1, \
         address = ?1, city = ?1, state = ?1, postal_code = ?1 WHERE mrn = ?2",
        [p, mrn.as_str()],
    )
    .expect("patient");
    let pid: i64 = c
        .query_row("SELECT id FROM patients WHERE mrn = ?", [&mrn], |r| {
            r.get(0)
        })
        .expect("id");
    c.execute(
        "INSERT INTO patient_names (patient_id, kind, family, given) VALUES (?1, 'alias', ?2, ?2)",
        rusqlite::params![pid, p],
    )
    .expect("alias");
    c.execute(
        "UPDATE encounters SET account_number = 'A' || id || ?1, admit_at = '2025-01-02 08:00' || ?1, \
         discharge_at = '2025-01-05 10:00' || ?1, attending = ?1, service = ?1, disposition = ?1 \
         WHERE patient_id = ?2",
        rusqlite::params![p, pid],
    )
    .expect("encounters");
    c.execute(
        "UPDATE documents SET doc_type = ?1, title = 'Note' || ?1, author = ?1, \
         service_date = '2025-01-03' || ?1, signed_by = ?1, signed_at = ?1, body = 'Body' || ?1 || \
         char(10) || 'line two' || ?1, file_ref = ?1 WHERE patient_id = ?2",
        rusqlite::params![p, pid],
    )
    .expect("documents");
    c.execute(
        "UPDATE diagnoses SET code = code || ?1 WHERE encounter_id IN \
         (SELECT id FROM encounters WHERE patient_id = ?2)",
        rusqlite::params![p, pid],
    )
    .expect("codes");
    c.execute(
        "UPDATE procedures SET code = code || ?1, performed_on = ?1 WHERE encounter_id IN \
         (SELECT id FROM encounters WHERE patient_id = ?2)",
        rusqlite::params![p, pid],
    )
    .expect("procedures");
    c.execute("UPDATE code_titles SET title = title || ?1", [p])
        .expect("titles");
    c.execute(
        "UPDATE providers SET name = name || ?1, service = ?1, letter_address = ?1",
        [p],
    )
    .expect("providers");
    // Rows of the trail and the privacy queue that carry it too (the trail's own trigger
    // refuses a row chartroom did not chain, so it goes first, as an attacker's would).
    c.execute_batch("DROP TRIGGER audit_append_only")
        .expect("drop the append trigger");
    c.execute(
        "INSERT INTO audit (id, at, user_id, username, os_login, origin, action, patient_id, object, \
         outcome, detail) SELECT max(id) + 1, '2026-01-01T00:00:00Z' || ?1, 1, 'u' || ?1, ?1, ?1, \
         'chart_open' || ?1, ?2, ?1, 'ok' || ?1, ?1 FROM audit",
        rusqlite::params![p, pid],
    )
    .expect("audit row");
    c.execute(
        "INSERT INTO privacy_alerts (at, user_id, username, patient_id, kinds, action, reason, audit_id) \
         VALUES ('2026-01-01T00:00:00Z' || ?1, 1, 'u' || ?1, ?2, ?1, ?1, 'why' || ?1, 1)",
        rusqlite::params![p, pid],
    )
    .expect("alert");
    mrn
}

#[test]
fn no_escape_reaches_the_shell() {
    let dir = tmp();
    let db = store(dir.path());
    let mrn = poison(&db);
    for args in [
        vec!["find", mrn.as_str()],
        vec!["show", mrn.as_str()],
        vec!["audit", "patient", mrn.as_str()],
        vec!["audit", "patient", mrn.as_str(), "--json"],
        vec!["alerts"],
        vec!["alerts", "--json"],
        vec!["find", mrn.as_str(), "--json"],
    ] {
        let o = run(&db, &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        clean(&format!("{args:?}"), &stdout(&o));
        clean(&format!("{args:?} (stderr)"), &stderr(&o));
    }
    // The JSON is valid and still carries the data exactly as stored.
    let o = run(&db, &["show", &mrn, "--json"]);
    let out = stdout(&o);
    clean("show --json", &out);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["patient"]["family"], format!("Fam{POISON}"));
    assert!(
        v["encounters"][0]["attending"]
            .as_str()
            .is_some_and(|a| a.ends_with(POISON)),
        "{}",
        v["encounters"][0]
    );
    let o = run(&db, &["find", &mrn, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(v[0]["given"], format!("Giv{POISON}"));
}

#[test]
fn no_escape_reaches_a_screen() {
    let dir = tmp();
    let db = store(dir.path());
    let mrn = poison(&db);
    let mut svc = as_user(&db, &admin());
    let mut s = state_as("admin");
    let check = |s: &mut chartroom::tui::State, what: &str| {
        for (w, h) in [(120, 40), (80, 24)] {
            clean(&format!("{what} at {w}x{h}"), &screen(s, w, h));
        }
    };
    type_str(&mut s, &mut svc, &mrn);
    check(&mut s, "search results");
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    check(&mut s, "the chart");
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    assert!(
        screen(&mut s, 120, 40).contains("line two"),
        "the document is open:\n{}",
        screen(&mut s, 120, 40)
    );
    check(&mut s, "a document");
    feed(&mut s, &mut svc, key(KeyCode::Esc));
    let alt6 = Msg::Key(KeyEvent::new(KeyCode::Char('6'), KeyModifiers::ALT));
    feed(&mut s, &mut svc, alt6);
    check(&mut s, "the audit pane");
    feed(&mut s, &mut svc, key(KeyCode::Char(':')));
    type_str(&mut s, &mut svc, "alerts");
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    check(&mut s, "the alerts");
}

served_twins!(no_escape_reaches_a_screen);
