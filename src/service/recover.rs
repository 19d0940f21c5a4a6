//! Restoring a backup over a store that no longer opens (truncated, damaged, a broken
//! version marker): what `chartroom check` tells an administrator to do.
//!
//! The store cannot say who its administrators are, so the backup does: the copy of the
//! backup is checked as in an ordinary restore, a service is opened on that copy as the OS
//! login running this, and the restore goes through the entry point there (administrators
//! only; its `started` and `ok` rows are written into the copy, after the backup's head).
//! The audit rows the damaged store still gives up past the backup's head are archived,
//! with a restore marker; then the copy goes into the damaged file through the backup API
//! (emptied in place first if SQLite cannot write into it: never a rename).

use std::path::Path;

use crate::domain::{Action, Object, Permission};
use crate::secrets::slots::KeyFile;
use crate::secrets::{DataKey, key_file_path};
use crate::store::{self, OpenMode};

use super::audit::AnchorLog;
use super::backup::{RestoreDone, archive_rows, checked_copy, sibling};
use super::{Clock, Result, Service, ServiceError};

/// Restores `src` (keyed `src_key`) over the damaged store at `store_path`; see the module's
/// comment. `live_key`: the damaged store's key, if it is encrypted and the key is known
/// (else the backup's key and key file take its place).
#[allow(clippy::too_many_arguments)]
pub fn restore_over_damaged(
    store_path: &Path,
    src: &Path,
    src_key: Option<&DataKey>,
    mut anchors: Option<&mut AnchorLog>,
    archive_dir: &Path,
    clock: Clock,
    os_login: &str,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RestoreDone> {
    let live_encrypted = crate::secrets::is_encrypted(store_path);
    if live_encrypted != src_key.is_some() {
        return Err(ServiceError::Usage(
            "the damaged store and the backup are not both encrypted (or both plain); restore this backup into a new store with `chartroom restore` after `chartroom init`".into(),
        ));
    }
    let tmp = sibling(store_path, ".restoring");
    store::remove_with_sidecars(&tmp);
    let lines = anchors.as_ref().map(|a| a.lines()).unwrap_or_default();
    let archives = anchors
        .as_ref()
        .map(|a| a.archives().clone())
        .unwrap_or_default();
    let r = (|| {
        let (copy, head, head_hash) = checked_copy(src, src_key, &tmp, &lines, &archives)?;
        let mut svc = Service::with_db(Box::new(copy), clock, os_login)?;
        let object = Some(Object::File(src.display().to_string()));
        let salvaged = store::salvage_audit(store_path, src_key, head).unwrap_or_default();
        let done = svc.run_outside_noted(
            Action::StoreRestore,
            Permission::ManageUsers,
            object,
            |svc| {
                let mut done = RestoreDone {
                    head,
                    replaced_head: head,
                    archive: None,
                    marked: false,
                };
                let last = salvaged.last().map(|r| {
                    let mut h = [0u8; 32];
                    if let Some(b) = r.hash.as_ref().filter(|b| b.len() == 32) {
                        h.copy_from_slice(b);
                    }
                    (r.id, h)
                });
                if let Some(last) = last
                    && salvaged.first().map(|r| r.id) == Some(head + 1)
                {
                    done.archive = Some(archive_rows(
                        &salvaged,
                        store_path,
                        archive_dir,
                        (head, head_hash),
                        last,
                        store::iso_utc(svc.clock().now()),
                        &mut anchors,
                    )?);
                    done.replaced_head = last.0;
                    done.marked = anchors.is_some();
                }
                let detail = match &done.archive {
                    Some(p) => format!(
                        "restored over a damaged store; rows {}..{} archived at {}",
                        head + 1,
                        done.replaced_head,
                        p.display()
                    ),
                    None => format!(
                        "restored over a damaged store; no audit rows past row {head} could be read from it"
                    ),
                };
                Ok((done, Some(detail)))
            },
        )?;
        drop(svc);
        // The copy (with the restore's own rows) into the damaged file, under the backup's key.
        let key = store::open_file(&tmp, OpenMode::Existing, src_key)
            .map(|db| store::Store::data_key(&db))?;
        store::overwrite_damaged(store_path, key.as_ref(), &tmp, key.as_ref(), progress)?;
        if live_encrypted {
            let kf = KeyFile::load(&key_file_path(src))?;
            kf.save(&key_file_path(store_path))?;
        }
        Ok(done)
    })();
    store::remove_with_sidecars(&tmp);
    r
}
