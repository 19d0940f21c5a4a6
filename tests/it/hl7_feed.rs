//! Issue 20: HL7 v2 ADT in. The corpus under fixtures/hl7 (imported in name order, each
//! message's ACK code as fixtures/hl7/EXPECTED says), what it leaves in the store, resends,
//! the error queue, a message refused half-way leaving nothing, hostile input, rights, and
//! a `kill -9` during a large import.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chartroom::service::api::Conn;

use super::common::{run, stderr, stdout, tmp};
use super::sec_support::{as_user, count, raw, store};

fn corpus() -> (Vec<PathBuf>, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hl7");
    let expected = std::fs::read_to_string(dir.join("EXPECTED")).expect("EXPECTED");
    let mut files = Vec::new();
    let mut codes = Vec::new();
    for line in expected.lines().filter(|l| !l.starts_with('#')) {
        let (f, c) = line.split_once('\t').expect("file<TAB>codes");
        files.push(dir.join(f));
        codes.extend(c.split(' ').map(str::to_string));
    }
    (files, codes)
}

fn import(db: &Path, files: &[PathBuf]) -> (i32, Vec<serde_json::Value>, String) {
    let mut args = vec!["import".to_string(), "hl7".into(), "--json".into()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(db, &args);
    let lines = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    (o.status.code().unwrap_or(-1), lines, stderr(&o))
}

fn text(db: &Path, sql: &str) -> Option<String> {
    raw(db)
        .query_row(sql, [], |r| r.get::<_, Option<String>>(0))
        .expect(sql)
}

#[test]
fn the_corpus_gets_the_expected_acks_and_leaves_what_it_says() {
    let dir = tmp();
    let db = store(dir.path());
    let patients_before = count(&db, "SELECT count(*) FROM patients");
    let (files, expected) = corpus();
    assert!(expected.len() >= 30, "the corpus has at least 30 messages");
    let (code, out, err) = import(&db, &files);
    let got: Vec<String> = out
        .iter()
        .map(|o| o["code"].as_str().unwrap().to_string())
        .collect();
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(g, e, "message {i}: {}", out[i]);
    }
    assert_eq!(got.len(), expected.len(), "{err}");
    assert_eq!(code, 8, "some messages were refused: exit 8\n{err}");
    assert!(err.contains("refused and kept in the error queue"), "{err}");
    let q = |sql: &str| text(&db, sql);
    // A08 changed the address; A03 discharged the visit.
    assert_eq!(
        q("SELECT address FROM patients WHERE mrn = 'HL70001'").as_deref(),
        Some("99 Oak Ave")
    );
    assert_eq!(
        q("SELECT city FROM patients WHERE mrn = 'HL70001'").as_deref(),
        Some("Peoria")
    );
    assert_eq!(
        q("SELECT discharge_at FROM encounters WHERE account_number = 'V0001'").as_deref(),
        Some("2026-11-16 14:30")
    );
    assert_eq!(
        q("SELECT type FROM encounters WHERE account_number = 'V0002'").as_deref(),
        Some("outpatient")
    );
    // A31 set the phone from its components, then `""` erased it.
    assert_eq!(q("SELECT phone FROM patients WHERE mrn = 'HL70006'"), None);
    // Custom delimiters and every escape.
    assert_eq!(
        q("SELECT address FROM patients WHERE mrn = 'HL70009'").as_deref(),
        Some("1 Hash#Lane")
    );
    assert_eq!(
        q("SELECT address FROM patients WHERE mrn = 'HL70010'").as_deref(),
        Some("Unit 5|6 ^ A&B ~ back\\slash ABC floor 2")
    );
    assert_eq!(
        q("SELECT family FROM patients WHERE mrn = 'HL70011'").as_deref(),
        Some("Muñoz&Ibáñez")
    );
    assert_eq!(
        q("SELECT given FROM patients WHERE mrn = 'HL70011'").as_deref(),
        Some("Zoë\\Ñ")
    );
    assert_eq!(
        q("SELECT family FROM patients WHERE mrn = 'HL70031'").as_deref(),
        Some("Peña")
    );
    assert_eq!(
        q("SELECT given FROM patients WHERE mrn = 'HL70031'").as_deref(),
        Some("José")
    );
    // Entry rules: a field refused is dropped, the rest applied, the ACK says so.
    assert_eq!(q("SELECT ssn FROM patients WHERE mrn = 'HL70019'"), None);
    let note = |mrn: &str| {
        out.iter()
            .find(|o| o["mrn"] == mrn && o["code"] == "AA")
            .map(|o| o["notes"].to_string())
            .unwrap_or_default()
    };
    assert!(note("HL70019").contains("SSN"), "{}", note("HL70019"));
    assert_eq!(q("SELECT middle FROM patients WHERE mrn = 'HL70020'"), None);
    assert!(note("HL70020").contains("U+202E"), "{}", note("HL70020"));
    assert!(
        q("SELECT ssn_note FROM patients WHERE mrn = 'HL70022'")
            .is_some_and(|n| n.contains("unknown"))
    );
    // A corrected resend after an AE is applied.
    assert_eq!(
        q("SELECT dob FROM patients WHERE mrn = 'HL70021'").as_deref(),
        Some("1999-12-31")
    );
    // PID-3's MR repetition is the MRN; the A01 with DG1/PR1 kept what was reported.
    assert_eq!(
        count(&db, "SELECT count(*) FROM patients WHERE mrn = 'HL70023'"),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM reported_codes r JOIN encounters e ON e.id = r.encounter_id WHERE e.account_number = 'V0025'"
        ),
        2
    );
    // A refused new patient was never registered; the other patient's visit was not moved.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM patients WHERE mrn IN ('HL70017','HL70018','HL70032','HL70036')"
        ),
        0
    );
    assert_eq!(
        q("SELECT p.mrn FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE account_number = 'V0001'").as_deref(),
        Some("HL70001")
    );
    let refused = expected.iter().filter(|c| *c != "AA").count() as i64;
    assert_eq!(
        count(&db, "SELECT count(*) FROM hl7_errors WHERE status = 'open'"),
        refused
    );
    let created = count(&db, "SELECT count(*) FROM patients") - patients_before;
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit WHERE action = 'patient_create' AND detail = 'source=hl7'"
        ),
        created
    );
    // The same files again change nothing: every applied message is acknowledged again.
    let (_, again, _) = import(&db, &files);
    assert_eq!(
        count(&db, "SELECT count(*) FROM patients") - patients_before,
        created
    );
    let dups = again.iter().filter(|o| o["duplicate"] == true).count();
    let applied = expected.iter().filter(|c| *c == "AA").count();
    assert_eq!(
        dups, applied,
        "every applied message is a duplicate the second time"
    );
    let o = run(&db, &["check"]);
    assert!(o.status.success(), "{}", stdout(&o));
}

fn a28(id: &str, mrn: &str, family: &str) -> String {
    format!(
        "MSH|^~\\&|REGSYS|MAINHOSP|CHARTROOM|HIM|20261115083000||ADT^A28^ADT_A05|{id}|P|2.5.1\rPID|1||{mrn}^^^MAINHOSP^MR||{family}^Ann||19700101|F\r"
    )
}

#[test]
fn one_message_refused_half_way_leaves_nothing_and_the_rest_of_the_group_applies() {
    let dir = tmp();
    let db = store(dir.path());
    let mut svc: Conn = as_user(&db, &super::sec_support::admin());
    let admit = "MSH|^~\\&|REGSYS|MAINHOSP|||20261115||ADT^A01|G1|P|2.5.1\rPID|1||HALF1^^^H^MR||Halfway^Ann||19700101|F\rPV1|1|I|||||||||||||||||VHALF|||||||||||||||||||||||||202611140900\r";
    // A new patient whose visit number is another patient's: the patient is created inside
    // the message's savepoint, then the visit is refused: the patient must not remain.
    let steal = "MSH|^~\\&|REGSYS|MAINHOSP|||20261115||ADT^A01|G2|P|2.5.1\rPID|1||HALF2^^^H^MR||Halfway^Bea||19700101|F\rPV1|1|I|||||||||||||||||VHALF|||||||||||||||||||||||||202611140900\r";
    let msgs = vec![
        admit.to_string(),
        steal.to_string(),
        a28("G3", "HALF3", "Halfway"),
    ];
    let out = svc.hl7_apply(&msgs).expect("apply");
    let codes: Vec<_> = out.iter().map(|o| o.code.as_str()).collect();
    assert_eq!(codes, ["AA", "AE", "AA"], "{out:?}");
    assert!(
        out[1].notes[0].contains("belongs to another patient"),
        "{:?}",
        out[1].notes
    );
    assert!(out[1].ack.contains("MSA|AE|G2|"), "{}", out[1].ack);
    assert_eq!(
        count(&db, "SELECT count(*) FROM patients WHERE mrn = 'HALF2'"),
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM patients WHERE mrn IN ('HALF1','HALF3')"
        ),
        2
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit WHERE detail = 'source=hl7'"
        ),
        2
    );
    // The search index has no trace of the refused patient either.
    let found = svc.find("halfway", 10).expect("find");
    assert_eq!(found.len(), 2);
}

#[test]
fn the_error_queue_replays_after_a_fix_and_dismisses_with_a_reason() {
    let dir = tmp();
    let db = store(dir.path());
    let mut svc: Conn = as_user(&db, &super::sec_support::admin());
    // A discharge for a visit chartroom has not seen yet: refused, queued.
    let disch = "MSH|^~\\&|REGSYS|MAINHOSP|||20261115||ADT^A03|Q1|P|2.5.1\rPID|1||QQ1^^^H^MR||Queue^Ann||19700101|F\rPV1|1|I|||||||||||||||||VQ1|||||||||||||||||||||||||202611140900|202611151000\r";
    let out = svc.hl7_apply(&[disch.to_string()]).expect("apply");
    // A03 with an admit time creates the visit: check it is applied, then replay.
    assert_eq!(out[0].code.as_str(), "AA", "{out:?}");
    let merge = "MSH|^~\\&|REGSYS|MAINHOSP|||20261115||ADT^A40|Q2|P|2.5.1\rPID|1||QQ1^^^H^MR||Queue^Ann||19700101|F\rMRG|QQ9^^^H^MR\r";
    let out = svc.hl7_apply(&[merge.to_string()]).expect("apply");
    assert_eq!(out[0].code.as_str(), "AE");
    let id = out[0].queued.expect("queued");
    let q = svc.hl7_errors(false, 10).expect("errors");
    assert_eq!(q.open, 1);
    assert!(
        q.rows[0].body.is_none(),
        "the list does not carry message text"
    );
    let again = svc.hl7_replay(id).expect("replay");
    assert_eq!(again.code.as_str(), "AE", "still no merge service");
    assert!(svc.hl7_errors(false, 10).unwrap().open >= 1);
    svc.hl7_dismiss(id, "merged by hand in the registration system")
        .expect("dismiss");
    assert!(
        svc.hl7_dismiss(id, "again").is_err(),
        "a closed entry cannot be closed twice"
    );
    let shown = svc.hl7_error(id).expect("show");
    assert_eq!(shown.status, "dismissed");
    assert!(shown.body.is_some_and(|b| b.raw().contains("MRG")));
}

#[test]
fn feeds_need_the_edit_right() {
    let dir = tmp();
    let db = store(dir.path());
    let mut svc: Conn = as_user(&db, "auditor");
    let e = svc
        .hl7_apply(&[a28("R1", "RIGHT1", "Rights")])
        .expect_err("refused");
    assert!(e.to_string().contains("may not"), "{e}");
    assert_eq!(
        count(&db, "SELECT count(*) FROM patients WHERE mrn = 'RIGHT1'"),
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit WHERE action = 'hl7_receive' AND outcome = 'denied'"
        ),
        1
    );
}

#[test]
fn garbage_and_huge_messages_get_a_clear_answer() {
    let dir = tmp();
    let db = store(dir.path());
    // 1 MB of garbage (a seeded LCG; never an MSH at a line start).
    let mut x: u64 = 7;
    let junk: Vec<u8> = (0..1 << 20)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let b = (x >> 33) as u8;
            if b == b'M' { b'm' } else { b }
        })
        .collect();
    let f = dir.path().join("junk.hl7");
    std::fs::write(&f, &junk).unwrap();
    let (code, out, err) = import(&db, &[f]);
    assert_eq!(code, 8, "{err}");
    assert!(out.iter().all(|o| o["code"] == "AE"));
    assert!(
        out[0]["notes"][0]
            .as_str()
            .unwrap()
            .contains("not an HL7 message"),
        "{:?}",
        out[0]
    );
    // 10,000 segments in one message: read and applied.
    let mut big = a28("BIG1", "BIGSEG", "Manysegments");
    for i in 0..10_000 {
        big.push_str(&format!("NTE|{i}||note {i}\r"));
    }
    let f = dir.path().join("big.hl7");
    std::fs::write(&f, &big).unwrap();
    let (code, out, err) = import(&db, &[f]);
    assert_eq!((code, out[0]["code"].as_str()), (0, Some("AA")), "{err}");
    // A file that does not exist.
    let o = run(&db, &["import", "hl7", "/nonexistent/feed.hl7"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("could not be read"), "{}", stderr(&o));
}

#[test]
fn a_killed_import_leaves_a_sound_store_and_running_it_again_finishes_it() {
    let dir = tmp();
    let db = store(dir.path());
    let before = count(&db, "SELECT count(*) FROM patients");
    let n = 20_000;
    let mut feed = String::new();
    for i in 0..n {
        feed.push_str(&a28(&format!("K{i}"), &format!("KILL{i:06}"), "Killtest"));
    }
    let f = dir.path().join("feed.hl7");
    std::fs::write(&f, &feed).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .args(["--db", db.to_str().unwrap(), "import", "hl7"])
        .arg(&f)
        .env_remove("CHARTROOM_DB")
        .env(
            "CHARTROOM_SYSTEM_CONFIG",
            "/nonexistent/chartroom-tests.toml",
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once some groups are committed and before the end.
    let t0 = std::time::Instant::now();
    loop {
        let done = raw(&db)
            .query_row("SELECT count(*) FROM hl7_applied", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap_or(0);
        if done > 0 || t0.elapsed().as_secs() > 120 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
    let applied = count(&db, "SELECT count(*) FROM hl7_applied");
    let added = count(&db, "SELECT count(*) FROM patients") - before;
    assert_eq!(
        applied, added,
        "every applied message is one patient, no more, no less"
    );
    assert!(applied < n, "killed before the end ({applied} of {n})");
    let o = run(&db, &["check"]);
    assert!(o.status.success(), "{}", stdout(&o));
    let o = run(&db, &["audit", "verify"]);
    assert!(matches!(o.status.code(), Some(0 | 7)), "{}", stdout(&o));
    let o = run(&db, &["import", "hl7", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(count(&db, "SELECT count(*) FROM patients") - before, n);
    assert_eq!(count(&db, "SELECT count(*) FROM hl7_applied"), n);
}
