//! Building a demo store of synthetic patients. The store is written to a side file and
//! renamed into place only when complete, so an interrupted or failed build leaves nothing
//! half-done at the store path.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::sync_channel;

use crate::demo::{Generator, KeyPair, demo_codes};
use crate::domain::{Action, Outcome, Role};
use crate::store::{self, OpenMode, StoreError, bulk};

use super::{Clock, Result, ServiceError};

/// What a finished demo build made.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoReport {
    pub stats: bulk::BulkStats,
    pub duplicate_pairs: usize,
    pub look_alike_pairs: usize,
    pub answer_key: PathBuf,
    pub admin_login: String,
}

/// The answer key lives beside the store; chartroom itself never reads it.
pub fn answer_key_path(store: &Path) -> PathBuf {
    let mut s = store.as_os_str().to_owned();
    s.push(".answer-key.tsv");
    PathBuf::from(s)
}

fn side_path(store: &Path, suffix: &str) -> PathBuf {
    let mut s = store.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn remove_with_sidecars(p: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(side_path(p, suffix));
    }
}

/// The password of every demo user (synthetic data only; a real store sets its own).
pub const DEMO_PASSWORD: &str = "chartroom-demo";

/// The demo users: one per role; the OS login that builds the demo is its administrator.
const DEMO_USERS: [(&str, &str, Role); 6] = [
    ("tech", "Terry Technician", Role::Technician),
    ("coder", "Casey Coder", Role::Coder),
    ("roi", "Robin Release", Role::RoiSpecialist),
    ("supervisor", "Sam Supervisor", Role::Supervisor),
    ("privacy", "Pat Privacy", Role::PrivacyOfficer),
    ("auditor", "Alex Auditor", Role::Auditor),
];

/// Builds a demo store of `patients` synthetic patients from `seed` at `path`, which must not
/// exist yet. `progress` is called with the count stored so far.
pub fn build(
    path: &Path,
    patients: usize,
    seed: u64,
    clock: Clock,
    os_login: &str,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(u64),
) -> Result<DemoReport> {
    if path.exists() {
        return Err(ServiceError::Usage(format!(
            "a store already exists at {}; choose another --db path or remove that file first",
            path.display()
        )));
    }
    let tmp = side_path(path, ".building");
    remove_with_sidecars(&tmp);
    let result = build_into(&tmp, patients, seed, clock, os_login, stop, progress);
    match result {
        Ok((mut report, key)) => {
            let key_path = answer_key_path(path);
            write_key(&key_path, &key)?;
            std::fs::rename(&tmp, path).map_err(|e| StoreError::CannotCreate {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
            remove_with_sidecars(&tmp);
            report.answer_key = key_path;
            Ok(report)
        }
        Err(e) => {
            remove_with_sidecars(&tmp);
            Err(e)
        }
    }
}

fn build_into(
    tmp: &Path,
    patients: usize,
    seed: u64,
    clock: Clock,
    os_login: &str,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(u64),
) -> Result<(DemoReport, Vec<KeyPair>)> {
    let db = store::open_file(tmp, OpenMode::Create, None)?;
    let now = store::iso_utc(clock.now());
    let (tx, rx) = sync_channel::<Vec<crate::domain::bulk::BulkPatient>>(8);
    let producer = std::thread::spawn(move || {
        let mut g = Generator::new(patients, seed);
        loop {
            let batch: Vec<_> = g.by_ref().take(2_000).collect();
            if batch.is_empty() || tx.send(batch).is_err() {
                break;
            }
        }
        g.key
    });
    let indexes = bulk::begin(&db)?;
    let providers = crate::demo::providers();
    let loaded = bulk::load(&db, rx, &providers, demo_codes(), &now, stop, progress);
    let key = producer.join().unwrap_or_default();
    let stats = loaded.map_err(|e| match e {
        bulk::BulkError::Interrupted => ServiceError::Interrupted,
        bulk::BulkError::Store(s) => ServiceError::Store(s),
    })?;
    let admin_id = store::users::insert(
        &db,
        os_login,
        &format!("{os_login} (administrator)"),
        Role::Admin,
        Some(os_login),
        &now,
    )?;
    for (name, full, role) in DEMO_USERS {
        if name != os_login {
            store::users::insert(&db, name, full, role, None, &now)?;
        }
    }
    // Every demo user gets the published demo password, so the idle lock can be unlocked.
    let hash = super::users::hash_password(DEMO_PASSWORD)?;
    for u in store::users::list(&db)? {
        store::users::update(&db, &u, store::users::Change::PasswordHash(&hash))?;
    }
    store::audit::append(
        &db,
        &store::audit::AuditEvent {
            user_id: Some(admin_id),
            username: os_login.to_string(),
            os_login: Some(os_login.to_string()),
            origin: Some(super::identity::origin()),
            detail: Some(format!("patients={} seed={seed}", stats.patients)),
            ..store::audit::AuditEvent::new(now.clone(), Action::DemoImport, Outcome::Ok)
        },
    )?;
    bulk::finish(&db, &indexes)?;
    drop(db);
    let report = DemoReport {
        stats,
        duplicate_pairs: key.iter().filter(|k| k.duplicate).count(),
        look_alike_pairs: key.iter().filter(|k| !k.duplicate).count(),
        answer_key: PathBuf::new(),
        admin_login: os_login.to_string(),
    };
    Ok((report, key))
}

fn write_key(path: &Path, key: &[KeyPair]) -> Result<()> {
    let mut s = String::from(
        "# chartroom demo answer key: planted pairs. chartroom never reads this file.\n",
    );
    s.push_str("same_person\treason\tmrn_a\tmrn_b\n");
    for k in key {
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            if k.duplicate { "yes" } else { "no" },
            k.reason,
            k.a,
            k.b
        ));
    }
    let tmp = side_path(path, ".tmp");
    std::fs::write(&tmp, s)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| StoreError::CannotCreate {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    Ok(())
}
