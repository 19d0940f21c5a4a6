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

use super::audit::AnchorLog;
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

/// The data key sealed in the backup's key slot, opened by `pass`.
fn backup_key(src: &Path, pass: &str) -> Result<DataKey> {
    let kf = KeyFile::load(&key_file_path(src))?;
    let login = identity::os_login();
    kf.open_all(login.as_deref(), pass.as_bytes())?
        .into_iter()
        .next()
        .ok_or_else(|| crate::secrets::SecretError::WrongPassphrase.into())
}

/// Restores the backup `src` (opened by `pass`) into the empty server database at `url`, as
/// the OS login running this process, who must be an administrator in the backup. The backup
/// is checked first on a private copy (`check` and `audit verify`, against the anchors in
/// `anchors` up to its own head), and the server after.
pub fn restore_server(
    url: &str,
    src: &Path,
    pass: &str,
    anchors: Option<&AnchorLog>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<transfer::Copied> {
    if !src.is_file() {
        return Err(StoreError::NoStore(src.to_path_buf()).into());
    }
    let login = identity::os_login()
        .ok_or_else(|| ServiceError::UnknownLogin("(no name for this account)".into()))?;
    let key = backup_key(src, pass)?;
    let dir = Scratch::new()?;
    let lines = anchors.map(|a| a.lines()).unwrap_or_default();
    let none = std::collections::HashMap::new();
    let archives = anchors.map_or(&none, |a| a.archives());
    let (copy, _, _) =
        super::backup::checked_copy(src, Some(&key), &dir.0.join("backup.db"), &lines, archives)?;
    let mut svc = Service::with_db(Box::new(copy), Clock::System, &login)?;
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
    let problems = on_server.check()?;
    let v = on_server.audit_verify(None)?;
    if !problems.is_empty() || !v.ok() {
        return Err(ServiceError::Usage(format!(
            "the restored store on {url} does not pass its checks ({} problem(s){}); run `chartroom --db {url} check`",
            problems.len(),
            if v.ok() {
                ""
            } else {
                ", and audit verify fails"
            }
        )));
    }
    Ok(done)
}
