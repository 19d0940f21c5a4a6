//! Backups of a store on a libSQL server, and their restore (administrators, audited).
//!
//! sqld's own dump is plain SQL: every name in the clear. A backup here is instead a copy of
//! the server's store, in one read snapshot, into a new SQLCipher file under a fresh random key;
//! that key is sealed in a key slot beside it (`FILE.keys`) under a backup passphrase. The file
//! holds no plaintext. A restore opens a private copy of the backup with that passphrase,
//! brings it to this chartroom's schema, and restores only when `check` (SQLite's integrity and
//! chartroom's rules) and `audit verify` pass on it; it then copies it into the empty server
//! database in one transaction and runs both checks again on the server.

use std::path::{Path, PathBuf};

use crate::domain::{Action, Object, Outcome, Permission};
use crate::secrets::slots::{KdfParams, KeyFile, Slot, SlotKind};
use crate::secrets::{DataKey, key_file_path};
use crate::store::{self, Durability, Location, OpenMode, StoreError, transfer};

use super::{Clock, Result, Service, ServiceError, identity};

fn io(path: &Path, e: std::io::Error) -> ServiceError {
    ServiceError::Store(StoreError::CannotCreate {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

fn remove_pair(p: &Path) {
    let _ = std::fs::remove_file(p);
    let _ = std::fs::remove_file(key_file_path(p));
}

impl Service {
    /// Backs the open server store up into `dest` (a new file), encrypted under a fresh key in
    /// a slot opened by `pass`; `progress(rows, of)`.
    pub fn backup_server(
        &mut self,
        dest: &Path,
        pass: &str,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<transfer::Copied> {
        if !matches!(self.location(), Location::Server(_)) {
            return Err(ServiceError::Usage(
                "this backup is for a store on a server; back a store file up with `chartroom backup`".into(),
            ));
        }
        let keys = key_file_path(dest);
        if dest.exists() || keys.exists() {
            return Err(ServiceError::Usage(format!(
                "{} already exists; a backup never overwrites a file: name a new one",
                dest.display()
            )));
        }
        let object = Some(Object::File(dest.display().to_string()));
        self.run_outside(
            Action::StoreBackup,
            Permission::ManageUsers,
            object,
            |svc| {
                let key = DataKey::random();
                let mut kf = KeyFile::new();
                let id = kf.store_id.clone();
                kf.slots.push(Slot::create(
                    &id,
                    SlotKind::Recovery,
                    None,
                    None,
                    pass.as_bytes(),
                    KdfParams::default(),
                    &key,
                )?);
                kf.save(&keys)?;
                let r = store::open_file(dest, OpenMode::Create, Some(&key))
                    .and_then(|file| transfer::copy(svc.db(), &file, progress));
                r.map_err(|e| {
                    remove_pair(dest);
                    ServiceError::from(e)
                })
            },
        )
    }
}

/// A private folder (0700) for the restore's working copy, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        use std::os::unix::fs::DirBuilderExt;
        let mut tag = [0u8; 8];
        crate::secrets::fill_random(&mut tag);
        let p = std::env::temp_dir().join(format!(".chartroom-restore-{}", hex::encode(tag)));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&p)
            .map_err(|e| io(&p, e))?;
        Ok(Scratch(p))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A private copy of the backup at `src` beside a fresh temporary folder, opened with the key
/// that `pass` unseals, migrated there (the backup itself is never written).
fn open_backup(src: &Path, pass: &str, dir: &Path) -> Result<store::SqliteDb> {
    let kf = KeyFile::load(&key_file_path(src))?;
    let login = identity::os_login();
    let key = kf
        .open_all(login.as_deref(), pass.as_bytes())?
        .into_iter()
        .next()
        .ok_or(crate::secrets::SecretError::WrongPassphrase)?;
    let copy: PathBuf = dir.join("backup.db");
    std::fs::copy(src, &copy).map_err(|e| io(src, e))?;
    Ok(store::open_file(&copy, OpenMode::Existing, Some(&key))?)
}

/// Why a store failed its checks, or nothing.
fn checks(svc: &mut Service, what: &str) -> Result<()> {
    let problems = svc.check()?;
    if !problems.is_empty() {
        return Err(ServiceError::Usage(format!(
            "{what} fails `check` ({} problem(s), first: {}); nothing was restored",
            problems.len(),
            problems[0]
        )));
    }
    let v = svc.audit_verify(None)?;
    if !v.ok() {
        return Err(ServiceError::Usage(format!(
            "{what} fails `audit verify` (first bad row: {}); nothing was restored",
            v.chain.first_bad.as_ref().map_or(0, |b| b.id)
        )));
    }
    Ok(())
}

/// Restores the backup `src` (opened by `pass`) into the empty server database at `url`, as
/// the OS login running this process, who must be an administrator in the backup.
pub fn restore_server(
    url: &str,
    src: &Path,
    pass: &str,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<transfer::Copied> {
    let login = identity::os_login()
        .ok_or_else(|| ServiceError::UnknownLogin("(no name for this account)".into()))?;
    let dir = Scratch::new()?;
    let backup = open_backup(src, pass, &dir.0)?;
    let mut svc = Service::with_db(Box::new(backup), Clock::System, &login)?;
    checks(&mut svc, "the backup")?;
    let dest = Location::Server(url.to_string());
    let object = Some(Object::File(dest.to_string()));
    let done = svc.run_outside(
        Action::StoreRestore,
        Permission::ManageUsers,
        object,
        |svc| {
            let to = super::server::open_store(&dest, OpenMode::Create)?;
            let done = transfer::copy(svc.db(), to.as_ref(), progress)?;
            let mut e = svc.event(Action::StoreRestore, None, Outcome::Ok);
            e.object = Some(Object::File(src.display().to_string()));
            e.detail = Some(format!("restored from a backup; rows={}", done.rows));
            store::write_tx(to.as_ref(), Durability::Full, |tx| {
                store::audit::append(tx, &e)
            })
            .map_err(ServiceError::AuditFailed)?;
            Ok(done)
        },
    )?;
    let mut on_server = Service::open(&dest, Clock::System)?;
    checks(&mut on_server, "the restored store on the server")?;
    Ok(done)
}
