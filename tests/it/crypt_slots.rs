//! Key slots per user, the site's credential_store pin, re-keying with another session open,
//! and the terminal prompt.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use chartroom::domain::Role;
use chartroom::secrets::SecretError;
use chartroom::secrets::keyring::{Cache, Kind};
use chartroom::secrets::slots::{KdfParams, KeyFile};
use chartroom::secrets::{DataKey, key_file_path};
use chartroom::service::keys;
use chartroom::service::{Clock, Service, ServiceError};
use chartroom::store::{self, Tx};
use keyring_core::CredentialStore;

use super::common::*;
use super::crypt::{PASS, init_encrypted};

const BOB_PASS: &str = "bob's own passphrase";

fn no_cache() -> Cache {
    Cache::with_stores(Vec::new())
}

fn mock_cache() -> Cache {
    let store: Arc<CredentialStore> = keyring_core::mock::Store::new().expect("mock store");
    Cache::with_stores(vec![(Kind::Keyutils, store)])
}

fn service_as(db: &Path, login: &str) -> (Service, DataKey) {
    let k = keys::open_with_passphrase(db, &no_cache(), PASS).expect("open");
    let key = k.key.clone();
    let svc = Service::with_db(Box::new(k.db), Clock::fixed(2026, 11, 26), login).expect("service");
    (svc, key)
}

fn audit_count(db: &Path, action: &str, outcome: &str) -> i64 {
    let k = keys::open_with_passphrase(db, &no_cache(), PASS).expect("open");
    k.db.query_row(
        "SELECT count(*) FROM audit WHERE action = ? AND outcome = ?",
        &[action.into(), outcome.into()],
    )
    .expect("query")
    .map(|r| r.int(0).expect("count"))
    .unwrap_or(0)
}

#[test]
fn each_user_gets_a_slot_and_losing_it_locks_them_out() {
    let dir = tmp();
    let (db, _) = init_encrypted(dir.path(), "prompt");
    {
        let k = keys::open_with_passphrase(&db, &no_cache(), PASS).expect("open");
        store::users::insert(
            &k.db,
            "bob",
            "Bob Technician",
            Role::Technician,
            Some("bob"),
            "2026-11-26T12:00:00Z",
        )
        .expect("add bob");
    }
    let (mut admin, key) = service_as(&db, &me());
    admin
        .add_key_slot(&db, &key, "bob", BOB_PASS, KdfParams::TEST)
        .expect("add slot");
    assert_eq!(
        keys::open_with_passphrase(&db, &no_cache(), BOB_PASS)
            .expect("bob opens")
            .key,
        key
    );
    let slots = admin.key_slots(&db).expect("slots");
    assert!(slots.iter().any(|(id, _, _)| id == "user:bob"), "{slots:?}");

    // A technician may not hand out key slots: refused, exit 4, and audited.
    let (mut bob, bob_key) = service_as(&db, "bob");
    match bob.add_key_slot(&db, &bob_key, "bob", "another passphrase", KdfParams::TEST) {
        Err(e @ ServiceError::Denied { .. }) => assert_eq!(e.exit_code(), 4),
        other => panic!("expected a denial, got {:?}", other.err()),
    }
    drop(bob);

    admin.remove_key_slot(&db, "bob").expect("remove slot");
    match keys::open_with_passphrase(&db, &no_cache(), BOB_PASS) {
        Err(ServiceError::Key(SecretError::WrongPassphrase)) => {}
        other => panic!(
            "bob's passphrase should no longer open the store: {:?}",
            other.err()
        ),
    }
    // The last user slot stays.
    assert!(matches!(
        admin.remove_key_slot(&db, &me()),
        Err(ServiceError::Usage(_))
    ));
    drop(admin);
    assert_eq!(audit_count(&db, "key_slot_add", "ok"), 1);
    assert_eq!(audit_count(&db, "key_slot_add", "denied"), 1);
    assert_eq!(audit_count(&db, "key_slot_remove", "ok"), 1);
}

#[test]
fn the_site_pin_prompt_keeps_the_key_out_of_every_keyring() {
    let dir = tmp();
    let (db, _) = init_encrypted(dir.path(), "prompt");
    // With no pin (auto), a passphrase open caches the key.
    let cache = mock_cache();
    let k = keys::open_with_passphrase(&db, &cache, PASS).expect("open");
    assert_eq!(k.cached_in, Some(Kind::Keyutils));
    let account = chartroom::secrets::keyring::account_for(&db);
    assert_eq!(cache.get(&account).as_ref(), Some(&k.key));
    // The administrator pins `prompt`: the next open (from the cache) purges the cached key.
    k.db.execute(
        "INSERT INTO site_settings (key, value) VALUES ('credential_store', 'prompt')",
        &[],
    )
    .expect("pin");
    drop(k);
    let k = keys::open_encrypted_with(&db, &cache, false).expect("open from cache");
    assert!(matches!(k.source, keys::KeySource::Cache(_)));
    assert_eq!(k.cached_in, None);
    assert!(
        cache.get(&account).is_none(),
        "the pin must purge the cached key"
    );
    drop(k);
    let k = keys::open_with_passphrase(&db, &cache, PASS).expect("open");
    assert_eq!(k.cached_in, None);
    assert!(cache.get(&account).is_none());
    // An unknown value fails closed (no keyring).
    k.db.execute(
        "UPDATE site_settings SET value = 'plaintext-file' WHERE key = 'credential_store'",
        &[],
    )
    .expect("pin");
    assert_eq!(
        keys::site_pin(&k.db),
        chartroom::secrets::keyring::Pin::Prompt
    );
}

#[test]
fn a_stale_cached_key_is_dropped_and_the_passphrase_asked() {
    let dir = tmp();
    let (db, _) = init_encrypted(dir.path(), "prompt");
    let cache = mock_cache();
    let account = chartroom::secrets::keyring::account_for(&db);
    cache
        .put(&account, &DataKey::random())
        .expect("put a wrong key");
    let k = keys::open_with_passphrase(&db, &cache, PASS).expect("passphrase opens");
    assert_eq!(
        cache.get(&account).as_ref(),
        Some(&k.key),
        "the right key replaces the stale one"
    );
}

#[test]
fn rotate_refuses_while_another_session_has_the_store_open() {
    let dir = tmp();
    let (db, _) = init_encrypted(dir.path(), "prompt");
    let (mut admin, key) = service_as(&db, &me());
    let other = keys::open_with_passphrase(&db, &no_cache(), PASS).expect("second session");
    other
        .db
        .query_row("SELECT count(*) FROM patients", &[])
        .expect("read");
    let e = admin
        .rotate_key(&db, &key, &no_cache())
        .expect_err("refused");
    assert!(e.to_string().contains("another chartroom session"), "{e}");
    drop(other);
    drop(admin);
    let kf = KeyFile::load(&key_file_path(&db)).expect("key file");
    assert!(kf.pending.is_empty());
    assert_eq!(
        keys::open_with_passphrase(&db, &no_cache(), PASS)
            .expect("still opens")
            .key,
        key
    );
    let (mut admin, key) = service_as(&db, &me());
    let new = admin
        .rotate_key(&db, &key, &no_cache())
        .expect("rotate when alone");
    assert_ne!(new, key);
    drop(admin);
    assert_eq!(audit_count(&db, "key_rotate", "ok"), 1);
}

#[test]
fn a_store_whose_key_is_not_cached_prompts_on_the_terminal() {
    let dir = tmp();
    let (db, _) = init_encrypted(dir.path(), "prompt");
    let cmd = format!(
        "{} --db '{}' check",
        env!("CARGO_BIN_EXE_chartroom"),
        db.display()
    );
    // `script` gives the command a terminal; what we pipe in is typed at the prompt.
    let mut child = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("CHARTROOM_KEYRING", "prompt")
        .env_remove("CHARTROOM_DB")
        .env(
            "CHARTROOM_SYSTEM_CONFIG",
            "/nonexistent/chartroom-tests.toml",
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux)");
    {
        use std::io::Write;
        let mut i = child.stdin.take().expect("stdin");
        let _ = i.write_all(format!("{PASS}\n").as_bytes());
    }
    let o = child.wait_with_output().expect("wait");
    let out = stdout(&o);
    assert!(out.contains("Passphrase for the store"), "no prompt: {out}");
    assert!(out.contains("The store is sound"), "{out}");
    assert_eq!(o.status.code(), Some(0));
}

/// A crash between writing the next slots and re-keying, or between re-keying and dropping the
/// old slots: either way the store opens, and the key file is set straight on that open.
#[test]
fn an_interrupted_rotation_leaves_a_store_that_opens() {
    for rekeyed in [true, false] {
        let dir = tmp();
        let (db, _) = init_encrypted(dir.path(), "prompt");
        let old = keys::open_with_passphrase(&db, &no_cache(), PASS)
            .expect("open")
            .key;
        let new = DataKey::random();
        let kpath = key_file_path(&db);
        let mut kf = KeyFile::load(&kpath).expect("key file");
        kf.pending = kf
            .slots
            .iter()
            .map(|s| s.reseal(&kf.store_id, &new).expect("reseal"))
            .collect();
        kf.pending_check = Some(kf.key_check(&new));
        kf.save(&kpath).expect("save");
        if rekeyed {
            let c = rusqlite::Connection::open(&db).expect("open");
            c.execute_batch(&format!("PRAGMA key = \"{}\";", &*old.sqlcipher_literal()))
                .expect("key");
            c.execute_batch(&format!(
                "PRAGMA rekey = \"{}\";",
                &*new.sqlcipher_literal()
            ))
            .expect("rekey");
        }
        let expect = if rekeyed { new.clone() } else { old.clone() };
        assert_eq!(
            keys::open_with_passphrase(&db, &no_cache(), PASS)
                .expect("opens")
                .key,
            expect
        );
        let kf = KeyFile::load(&kpath).expect("key file");
        assert!(
            kf.pending.is_empty() && kf.pending_check.is_none(),
            "rekeyed={rekeyed}"
        );
        assert_eq!(
            kf.open_all(Some(&me()), PASS.as_bytes()).expect("slots"),
            vec![expect]
        );
    }
}
