//! Encryption at rest and the OS keyring (issue 4). Tests named `secrets_secret_service_*` and
//! `secrets_keyutils_*` need a live service and are `#[ignore]`d; `.ci/keyring-tests.sh` runs
//! them where the service is up, and they fail (never skip) when it is not.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use chartroom::domain::PatientInput;
use chartroom::secrets::keyring::{self, Cache, Kind};
use chartroom::secrets::{DataKey, key_file_path};
use chartroom::service::keys::{self, KeyedDb};
use chartroom::service::{Clock, Service};
use keyring_core::CredentialStore;

use super::common::*;

pub const PASS: &str = "correct horse battery";
const FAMILY: &str = "Quillonbrook";
const GIVEN: &str = "Zephyrine";
const SSN: &str = "457558912";

/// Runs the binary with `stdin` as the passphrase source (`--passphrase-fd 0`), no
/// controlling terminal, and keyring use narrowed to `keyring` (`prompt`: none).
pub fn run_with(db: &Path, keyring: &str, stdin: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chartroom"));
    c.arg("--db").arg(db);
    if stdin.is_some() {
        c.args(["--passphrase-fd", "0"]);
    }
    c.args(args)
        .env_remove("CHARTROOM_DB")
        .env(
            "CHARTROOM_SYSTEM_CONFIG",
            "/nonexistent/chartroom-tests.toml",
        )
        .env("CHARTROOM_KEYRING", keyring)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setsid only detaches the child from our terminal, so it cannot prompt.
    unsafe {
        c.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = c.spawn().expect("run chartroom");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(s) = stdin {
        // The child may exit before reading (a refusal that needs no passphrase): ignore EPIPE.
        let _ = input.write_all(s.as_bytes());
    }
    drop(input);
    child.wait_with_output().expect("wait")
}

/// `chartroom init --encrypt` in `dir`; the store path and the printed recovery passphrase.
pub fn init_encrypted(dir: &Path, keyring: &str) -> (PathBuf, String) {
    let db = dir.join("s.db");
    let o = run_with(
        &db,
        keyring,
        Some(&format!("{PASS}\n")),
        &["init", "--encrypt"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let rec = out
        .lines()
        .skip_while(|l| !l.starts_with("RECOVERY PASSPHRASE"))
        .nth(1)
        .expect("recovery passphrase printed")
        .trim()
        .to_string();
    (db, rec)
}

fn no_cache() -> Cache {
    Cache::with_stores(Vec::new())
}

fn open(db: &Path, pass: &str) -> KeyedDb {
    keys::open_with_passphrase(db, &no_cache(), pass).expect("open with passphrase")
}

fn service_over(k: KeyedDb, db: &Path) -> Service {
    let _ = db;
    Service::with_db(Box::new(k.db), Clock::fixed(2026, 11, 26), &me()).expect("service")
}

fn add_known_patient(svc: &mut Service) {
    svc.add_patient(&PatientInput {
        mrn: None,
        family: FAMILY.into(),
        given: GIVEN.into(),
        middle: None,
        dob: "1961-04-09".into(),
        sex: "F".into(),
        ssn: Some(SSN.into()),
        phone: None,
    })
    .expect("add patient");
}

/// Every file in `dir` (recursively) that contains one of `needles`, with the needle.
fn files_containing(dir: &Path, needles: &[&[u8]]) -> Vec<String> {
    let mut hits = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            hits.extend(files_containing(&p, needles));
            continue;
        }
        let bytes = std::fs::read(&p).expect("read file");
        for n in needles {
            if bytes.windows(n.len()).any(|w| w == *n) {
                hits.push(format!(
                    "{} has {}",
                    p.display(),
                    String::from_utf8_lossy(n)
                ));
            }
        }
    }
    hits
}

fn phi_needles() -> Vec<Vec<u8>> {
    [
        FAMILY,
        GIVEN,
        SSN,
        &FAMILY.to_lowercase(),
        &GIVEN.to_lowercase(),
        &FAMILY.to_uppercase(),
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

fn rusqlite_count(db: &Path, key: Option<&DataKey>) -> rusqlite::Result<i64> {
    let c = rusqlite::Connection::open(db)?;
    if let Some(k) = key {
        c.execute_batch(&format!("PRAGMA key = \"{}\";", &*k.sqlcipher_literal()))?;
    }
    c.query_row(
        "SELECT count(*) FROM patients WHERE family = ?1",
        [FAMILY],
        |r| r.get(0),
    )
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

fn with_suffix(p: &Path, s: &str) -> PathBuf {
    let mut o = p.as_os_str().to_owned();
    o.push(s);
    PathBuf::from(o)
}

#[test]
fn encrypted_store_hides_phi_and_opens_only_with_its_key() {
    let dir = tmp();
    let (db, _) = init_encrypted(dir.path(), "prompt");
    let k = open(&db, PASS);
    let key = k.key.clone();
    let mut svc = service_over(k, &db);
    add_known_patient(&mut svc);
    assert_eq!(
        svc.find(&format!("{FAMILY} {GIVEN}"), 5)
            .expect("find")
            .len(),
        1
    );
    let needles = phi_needles();
    let needles: Vec<&[u8]> = needles.iter().map(|n| n.as_slice()).collect();
    // While the service is open the WAL holds the new pages: scan before any checkpoint.
    let wal = with_suffix(&db, "-wal");
    assert!(wal.exists(), "the WAL should exist while the store is open");
    assert_eq!(files_containing(dir.path(), &needles), Vec::<String>::new());
    // (The scan itself works: a control file with the name is found.)
    let control = tmp();
    std::fs::write(control.path().join("plain"), format!("x{FAMILY}x")).unwrap();
    assert_eq!(files_containing(control.path(), &needles).len(), 1);
    // Store, WAL, SHM and key file are private.
    for p in [
        db.clone(),
        wal.clone(),
        with_suffix(&db, "-shm"),
        key_file_path(&db),
    ] {
        assert_eq!(mode(&p), 0o600, "{} is not 0600", p.display());
    }
    drop(svc);
    assert_eq!(files_containing(dir.path(), &needles), Vec::<String>::new());
    // Neither the sqlite3 CLI nor rusqlite reads it without the key; rusqlite does with it.
    let o = Command::new("sqlite3")
        .arg(&db)
        .arg("SELECT count(*) FROM patients;")
        .output()
        .expect("sqlite3 CLI");
    assert!(!o.status.success(), "sqlite3 read an encrypted store");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not a database"),
        "{}",
        stderr(&o)
    );
    assert!(rusqlite_count(&db, None).is_err());
    assert!(rusqlite_count(&db, Some(&DataKey::random())).is_err());
    assert_eq!(rusqlite_count(&db, Some(&key)).expect("read with key"), 1);
}

#[test]
fn rotate_retires_the_old_key_and_keeps_every_passphrase() {
    let dir = tmp();
    let (db, recovery) = init_encrypted(dir.path(), "prompt");
    let k = open(&db, PASS);
    let old = k.key.clone();
    let mut svc = service_over(k, &db);
    add_known_patient(&mut svc);
    let new = svc.rotate_key(&db, &old, &no_cache()).expect("rotate");
    drop(svc);
    assert_ne!(old, new);
    assert!(
        rusqlite_count(&db, Some(&old)).is_err(),
        "the old key still opens the store"
    );
    assert_eq!(rusqlite_count(&db, Some(&new)).expect("new key"), 1);
    assert_eq!(open(&db, PASS).key, new);
    assert_eq!(
        open(&db, &recovery.to_lowercase()).key,
        new,
        "recovery slot re-sealed too"
    );
    let kf = chartroom::secrets::slots::KeyFile::load(&key_file_path(&db)).expect("key file");
    assert!(kf.pending.is_empty());
    // And through the binary: the old key is gone for good, the passphrase still works.
    let o = run_with(&db, "prompt", Some(&format!("{PASS}\n")), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_store_whose_key_is_not_cached_asks_for_the_passphrase() {
    let dir = tmp();
    let (db, _) = init_encrypted(dir.path(), "prompt");
    // No terminal and no --passphrase-fd: a clear refusal, exit 4.
    let o = run_with(&db, "prompt", None, &["check"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("chartroom key unlock"),
        "{}",
        stderr(&o)
    );
    // The passphrase on a descriptor opens it.
    let o = run_with(&db, "prompt", Some(&format!("{PASS}\n")), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("sound"));
    // `key unlock` verifies, but with no keyring allowed it says the key was not kept.
    let o = run_with(
        &db,
        "prompt",
        Some(&format!("{PASS}\n")),
        &["key", "unlock"],
    );
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("not kept"), "{}", stderr(&o));
}

#[test]
fn wrong_passphrase_and_damaged_slot_are_named_and_change_nothing() {
    let dir = tmp();
    let (db, recovery) = init_encrypted(dir.path(), "prompt");
    let before_db = std::fs::read(&db).unwrap();
    let before_keys = std::fs::read(key_file_path(&db)).unwrap();
    let o = run_with(&db, "prompt", Some("not the passphrase\n"), &["check"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).contains("does not open any key slot"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("not the passphrase"));
    assert_eq!(std::fs::read(&db).unwrap(), before_db);
    assert_eq!(std::fs::read(key_file_path(&db)).unwrap(), before_keys);
    // Damage the user's sealed key: named as damage, not as a wrong passphrase.
    let mut v: serde_json::Value = serde_json::from_slice(&before_keys).unwrap();
    let sealed = v["slots"][0]["sealed_key"].as_str().unwrap().to_string();
    let flipped: String = sealed
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 4 {
                if c == 'a' { 'b' } else { 'a' }
            } else {
                c
            }
        })
        .collect();
    v["slots"][0]["sealed_key"] = flipped.into();
    std::fs::write(key_file_path(&db), serde_json::to_vec(&v).unwrap()).unwrap();
    let damaged = std::fs::read(key_file_path(&db)).unwrap();
    let o = run_with(&db, "prompt", Some(&format!("{PASS}\n")), &["check"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("damaged"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&db).unwrap(), before_db);
    assert_eq!(std::fs::read(key_file_path(&db)).unwrap(), damaged);
    // The recovery slot still opens the store: no data lost.
    let o = run_with(&db, "prompt", Some(&format!("{recovery}\n")), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A key file that is not JSON at all.
    std::fs::write(key_file_path(&db), b"garbage").unwrap();
    let o = run_with(&db, "prompt", Some(&format!("{PASS}\n")), &["check"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("key file"), "{}", stderr(&o));
}

/// A keyring that refuses every operation (a locked or forbidden store).
#[derive(Debug)]
struct Refusing;

#[derive(Debug)]
struct RefusingCred;

fn refused() -> keyring_core::Error {
    keyring_core::Error::NoStorageAccess("access denied by policy".into())
}

impl keyring_core::api::CredentialApi for RefusingCred {
    fn set_secret(&self, _: &[u8]) -> keyring_core::Result<()> {
        Err(refused())
    }
    fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
        Err(refused())
    }
    fn delete_credential(&self) -> keyring_core::Result<()> {
        Err(refused())
    }
    fn get_credential(&self) -> keyring_core::Result<Option<Arc<keyring_core::Credential>>> {
        Err(refused())
    }
    fn get_specifiers(&self) -> Option<(String, String)> {
        None
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl keyring_core::api::CredentialStoreApi for Refusing {
    fn vendor(&self) -> String {
        "refusing".into()
    }
    fn id(&self) -> String {
        "refusing".into()
    }
    fn build(
        &self,
        _: &str,
        _: &str,
        _: Option<&std::collections::HashMap<&str, &str>>,
    ) -> keyring_core::Result<keyring_core::Entry> {
        Ok(keyring_core::Entry::new_with_credential(Arc::new(
            RefusingCred,
        )))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[test]
fn a_keyring_that_refuses_access_falls_back_to_the_passphrase() {
    let dir = tmp();
    let (db, _) = init_encrypted(dir.path(), "prompt");
    let store: Arc<CredentialStore> = Arc::new(Refusing);
    let cache = Cache::with_stores(vec![(Kind::Keyutils, store)]);
    assert!(cache.is_empty(), "a refusing store must fail its probe");
    assert!(cache.why_none().contains("access refused"));
    let k = keys::open_with_passphrase(&db, &cache, PASS).expect("passphrase still opens");
    assert!(k.cached_in.is_none());
    assert!(
        k.not_cached_why
            .as_deref()
            .unwrap_or("")
            .contains("ask for the passphrase")
    );
    // Nothing was written in plaintext: the key appears in no file.
    let hex_key = k.key.sqlcipher_literal()[2..66].to_string();
    let raw = k.key.as_bytes().to_vec();
    drop(k);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "only the store and its key file: {names:?}");
    assert_eq!(
        files_containing(dir.path(), &[hex_key.as_bytes(), &raw]),
        Vec::<String>::new()
    );
}

/// Round-trips a key through `kind` and then through the binary (cached: no passphrase).
fn round_trip(kind: Kind, pin: &str) {
    let store = match kind {
        Kind::SecretService => keyring::secret_service(),
        Kind::Keyutils => keyring::keyutils(),
    }
    .unwrap_or_else(|why| panic!("{} is not available here: {why}", kind.name()));
    let cache = Cache::with_stores(vec![(kind, store)]);
    assert!(!cache.is_empty());
    let account = format!("test-{}", std::process::id());
    let key = DataKey::random();
    assert_eq!(cache.put(&account, &key).expect("put"), kind);
    assert_eq!(cache.get(&account), Some(key));
    assert_eq!(cache.forget(&account), 1);
    assert_eq!(cache.get(&account), None);

    let dir = tmp();
    let (db, _) = init_encrypted(dir.path(), pin);
    let o = run_with(&db, pin, None, &["check"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "the cached key should open the store: {}",
        stderr(&o)
    );
    let o = run_with(&db, pin, None, &["key", "lock"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run_with(&db, pin, None, &["check"]);
    assert_eq!(
        o.status.code(),
        Some(4),
        "locked: asks again: {}",
        stderr(&o)
    );
    let o = run_with(&db, pin, Some(&format!("{PASS}\n")), &["key", "unlock"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run_with(&db, pin, None, &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    run_with(&db, pin, None, &["key", "lock"]);
}

#[test]
#[ignore = "needs a Secret Service (gnome-keyring under dbus-run-session); run by .ci/keyring-tests.sh"]
fn secrets_secret_service_round_trip() {
    round_trip(Kind::SecretService, "secret-service");
}

#[test]
#[ignore = "needs a kernel session keyring (keyctl session -); run by .ci/keyring-tests.sh"]
fn secrets_keyutils_round_trip() {
    round_trip(Kind::Keyutils, "keyutils");
}
