//! Backups and restores (the contingency plan, 45 CFR 164.308(a)(7)): administrators only,
//! each audited through the entry point (`started` before, `ok` or `failed` after).
//!
//! **Backup**: SQLite's online backup API copies the open store consistently while clerks
//! work. An encrypted store stays encrypted under its own key and its key-slot file goes with
//! it (`<backup>.keys`), so a backup made before a `key rotate` still opens with the
//! passphrases of its day. A plain store is copied plain, or encrypted under a fresh key in a
//! slot of a backup passphrase when asked.
//!
//! **Restore**: the backup is copied beside the store, brought to this chartroom's schema and
//! checked there (SQLite's integrity check, chartroom's rules, and `audit verify` against the
//! anchors up to the backup's own head) before anything is replaced. Then the rows the store's
//! trail has past the backup's head are written to an archive file, a restore marker goes to
//! the anchor file (so `verify` checks the anchors of those rows against the archive), and the
//! copy goes into the open store through the backup API (never a rename over a file others
//! have open). The closing row says "restored; rows N+1..M archived at P".

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::domain::{Action, Object, Permission};
use crate::secrets::slots::{KdfParams, KeyFile, Slot, SlotKind, normalise_recovery};
use crate::secrets::{DataKey, SecretError, key_file_path};
use crate::store::audit::{AnchorLine, ArchiveHeader, RestoreMarker};
use crate::store::{self, CopyKey, OpenMode, StoreError};

use super::audit::AnchorLog;
use super::{Result, Service, ServiceError, identity, shared};

/// How a backup is protected.
pub enum BackupKey<'a> {
    /// As the store is: an encrypted store under its own key, a plain store plain.
    AsStore,
    /// A plain store's backup, encrypted under a fresh key in a slot of this passphrase.
    Passphrase(&'a str),
}

/// What a backup made.
#[derive(Debug, Clone)]
pub struct BackupDone {
    pub dest: PathBuf,
    /// The key-slot file beside it (an encrypted backup).
    pub keys: Option<PathBuf>,
    /// The newest audit row the backup holds.
    pub head: i64,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreDone {
    /// The backup's head: the store's trail now runs to it, then the restore's own row.
    pub head: i64,
    /// The head the store had before.
    pub replaced_head: i64,
    /// Where the rows `head+1..=replaced_head` were archived (none when there were none).
    pub archive: Option<PathBuf>,
    /// Whether a restore marker went to the anchor file.
    pub marked: bool,
}

/// The file mode of what a backup or restore writes: the group's too on a shared server.
pub(super) fn file_mode() -> u32 {
    if shared::active() { 0o660 } else { 0o600 }
}

pub(super) fn io(path: &Path, e: std::io::Error) -> ServiceError {
    ServiceError::Store(StoreError::CannotCreate {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

pub(super) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// The data key sealed in a backup's key file, opened by `pass` (a user's passphrase of the
/// day the backup was made, its recovery passphrase, or its backup passphrase).
pub fn backup_key(src: &Path, pass: &str) -> Result<DataKey> {
    let kf = KeyFile::load(&key_file_path(src))?;
    let login = identity::os_login();
    let keys = match kf.open_all(login.as_deref(), pass.as_bytes()) {
        Err(SecretError::WrongPassphrase) => {
            kf.open_all(login.as_deref(), normalise_recovery(pass).as_bytes())?
        }
        other => other?,
    };
    keys.into_iter()
        .next()
        .ok_or_else(|| SecretError::KeyMismatch.into())
}

impl Service {
    /// Copies the open store (at `store_path`) to `dest`, a new file, telling `progress`
    /// (pages left, pages in all) as it goes.
    pub fn backup(
        &mut self,
        store_path: &Path,
        dest: &Path,
        protect: BackupKey<'_>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<BackupDone> {
        let dkeys = key_file_path(dest);
        if dest.exists() || dkeys.exists() {
            return Err(ServiceError::Usage(format!(
                "{} already exists; a backup never overwrites a file: name a new one",
                dest.display()
            )));
        }
        let object = Some(Object::File(dest.display().to_string()));
        self.run_outside_noted(Action::StoreBackup, Permission::ManageUsers, object, |svc| {
            let encrypted = svc.db().encrypted();
            let keys = match (&protect, encrypted) {
                (BackupKey::Passphrase(_), true) => {
                    return Err(ServiceError::Usage(
                        "this store is encrypted: its backup is encrypted under the store's own key already; leave --encrypt out".into(),
                    ));
                }
                (BackupKey::Passphrase(pass), false) => {
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
                    kf.save(&dkeys)?;
                    Some(key)
                }
                (BackupKey::AsStore, true) => {
                    std::fs::copy(key_file_path(store_path), &dkeys).map_err(|e| io(&dkeys, e))?;
                    None
                }
                (BackupKey::AsStore, false) => None,
            };
            let how = match &keys {
                Some(k) => CopyKey::Key(k),
                None => CopyKey::Own,
            };
            let done = svc.db().backup_to(dest, how, progress);
            if let Err(e) = done {
                let _ = std::fs::remove_file(&dkeys);
                return Err(e.into());
            }
            set_mode(dest)?;
            let has_keys = dkeys.exists();
            if has_keys {
                set_mode(&dkeys)?;
            }
            // The copy's own head: the `started` row of this backup is its newest row.
            let head = copy_head(dest, keys.or_else(|| svc.db().data_key()).as_ref())?;
            let detail = format!("head={head} encrypted={}", has_keys);
            Ok((
                BackupDone {
                    dest: dest.to_path_buf(),
                    keys: has_keys.then_some(dkeys.clone()),
                    head,
                },
                Some(detail),
            ))
        })
    }

    /// Replaces the open store (at `store_path`) with the backup `src` (keyed with `src_key`
    /// when encrypted), after checking it; see the module's comment for the order. `anchors`:
    /// the anchor file, to check the backup against and to mark the restore in. `archive_dir`:
    /// where the replaced rows go.
    pub fn restore(
        &mut self,
        store_path: &Path,
        src: &Path,
        src_key: Option<&DataKey>,
        mut anchors: Option<&mut AnchorLog>,
        archive_dir: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<RestoreDone> {
        if !src.is_file() {
            return Err(StoreError::NoStore(src.to_path_buf()).into());
        }
        let object = Some(Object::File(src.display().to_string()));
        let lines: Vec<AnchorLine> = anchors.as_ref().map(|a| a.lines()).unwrap_or_default();
        self.run_outside_noted(
            Action::StoreRestore,
            Permission::ManageUsers,
            object,
            |svc| {
                let tmp = sibling(store_path, ".restoring");
                store::remove_with_sidecars(&tmp);
                let r = restore_via(
                    svc,
                    store_path,
                    src,
                    src_key,
                    &tmp,
                    &lines,
                    &mut anchors,
                    archive_dir,
                    progress,
                );
                store::remove_with_sidecars(&tmp);
                store::remove_with_sidecars(&sibling(store_path, ".restoring-plain"));
                let done = r?;
                svc.after_restore();
                let detail = match &done.archive {
                    Some(p) => format!(
                        "restored; rows {}..{} archived at {}",
                        done.head + 1,
                        done.replaced_head,
                        p.display()
                    ),
                    None => format!("restored to row {}; no rows were past it", done.head),
                };
                Ok((done, Some(detail)))
            },
        )
    }
}

fn set_mode(p: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(file_mode())).map_err(|e| io(p, e))
}

/// The newest audit row id of a store copy.
fn copy_head(path: &Path, key: Option<&DataKey>) -> Result<i64> {
    let db = store::SqliteDb::connect(path, OpenMode::Existing, key)?;
    Ok(store::audit::head(&db)?.0)
}

/// Steps 1 and 2 of a restore: a copy of the backup beside the store (the backup itself is
/// never written to), brought to this chartroom's schema and checked: SQLite's integrity
/// check, chartroom's rules, and the audit trail against the anchors up to its own head.
/// The copy, its head and the head's hash.
pub(super) fn checked_copy(
    src: &Path,
    src_key: Option<&DataKey>,
    tmp: &Path,
    lines: &[AnchorLine],
    archives: &std::collections::HashMap<String, std::result::Result<String, String>>,
) -> Result<(store::SqliteDb, i64, [u8; 32])> {
    std::fs::copy(src, tmp).map_err(|e| io(tmp, e))?;
    set_mode(tmp)?;
    let copy = store::open_file(tmp, OpenMode::Existing, src_key).map_err(|e| {
        ServiceError::Setup(format!(
            "the backup {} cannot be used ({e}); nothing was replaced",
            src.display()
        ))
    })?;
    let mut problems = store::Store::integrity_problems(&copy)?;
    problems.extend(super::patients::invariant_problems(&copy)?);
    let (head, head_hash) = store::audit::head(&copy)?;
    let theirs: Vec<AnchorLine> = lines
        .iter()
        .filter(|l| match l {
            AnchorLine::Anchor(a) => a.head_id <= head,
            AnchorLine::Restore(m) => m.head < head,
        })
        .cloned()
        .collect();
    let v = store::read_tx(&copy, |tx| store::audit::verify_log(tx, &theirs, archives))?;
    if let Some(b) = &v.first_bad {
        problems.push(format!(
            "its audit trail fails at row {}: {}",
            b.id, b.reason
        ));
    }
    if !v.guards_missing.is_empty() {
        problems.push("its audit trail's guard triggers are missing".into());
    }
    if !problems.is_empty() {
        return Err(ServiceError::Setup(format!(
            "the backup {} does not pass its checks, so nothing was replaced: {}",
            src.display(),
            problems.join("; ")
        )));
    }
    Ok((copy, head, head_hash))
}

/// Writes the archive of the replaced rows and, when there is an anchor file, the restore
/// marker. The archive's path.
pub(super) fn archive_rows(
    rows: &[store::audit::StoredRow],
    store_path: &Path,
    archive_dir: &Path,
    head: (i64, [u8; 32]),
    replaced: (i64, [u8; 32]),
    at: String,
    anchors: &mut Option<&mut AnchorLog>,
) -> Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let name = store_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    let p = archive_dir.join(format!(
        "{name}.audit-archive-{stamp}-rows-{}-{}.jsonl",
        head.0 + 1,
        replaced.0
    ));
    let header = ArchiveHeader {
        chartroom_audit_archive: 1,
        from: head.0 + 1,
        to: replaced.0,
        written_at: stamp.to_string(),
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(file_mode())
        .open(&p)
        .map_err(|e| io(&p, e))?;
    f.write_all(store::audit::archive_text(&header, rows).as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| io(&p, e))?;
    if let Some(log) = anchors.as_mut() {
        let m = RestoreMarker {
            head: head.0,
            hash: hex::encode(head.1),
            replaced_head: replaced.0,
            replaced_hash: hex::encode(replaced.1),
            at,
            archive: p.display().to_string(),
        };
        log.append_line(&m.to_line())?;
    }
    Ok(p)
}

#[allow(clippy::too_many_arguments)]
fn restore_via(
    svc: &mut Service,
    store_path: &Path,
    src: &Path,
    src_key: Option<&DataKey>,
    tmp: &Path,
    lines: &[AnchorLine],
    anchors: &mut Option<&mut AnchorLog>,
    archive_dir: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RestoreDone> {
    let archives = anchors
        .as_ref()
        .map(|a| a.archives().clone())
        .unwrap_or_default();
    let (copy, head, head_hash) = checked_copy(src, src_key, tmp, lines, &archives)?;
    // 3. The copy under the store's own kind of key (the backup API copies plain to plain
    //    and encrypted to encrypted; SQLCipher re-encrypts to the store's key).
    let live_encrypted = svc.db().encrypted();
    let source: PathBuf = if live_encrypted == src_key.is_some() {
        drop(copy);
        tmp.to_path_buf()
    } else if src_key.is_some() {
        let plain = sibling(store_path, ".restoring-plain");
        store::remove_with_sidecars(&plain);
        store::Store::backup_to(&copy, &plain, CopyKey::Plain, &mut |_, _| {})?;
        plain
    } else {
        return Err(ServiceError::Usage(
            "this store is encrypted and the backup is not; restore it into a plain store, or make an encrypted backup".into(),
        ));
    };
    let source_key = if live_encrypted == src_key.is_some() {
        src_key
    } else {
        None
    };
    // 4. The rows the store has past the backup's head, archived first.
    let (replaced_head, replaced_hash) = store::audit::head(svc.db())?;
    let mut archive = None;
    if replaced_head > head {
        let rows = store::read_tx(svc.db(), |tx| {
            store::audit::stored_rows(tx, head + 1, replaced_head)
        })?;
        // 5. With the restore marker, so verify checks the replaced rows' anchors against it.
        archive = Some(archive_rows(
            &rows,
            store_path,
            archive_dir,
            (head, head_hash),
            (replaced_head, replaced_hash),
            store::iso_utc(svc.clock().now()),
            anchors,
        )?);
    }
    // 6. Into the open store, through the backup API.
    svc.db().restore_from(&source, source_key, progress)?;
    Ok(RestoreDone {
        head,
        replaced_head,
        marked: archive.is_some() && anchors.is_some(),
        archive,
    })
}
