//! `chartroom backup [DEST]` and `chartroom restore SRC` (administrators).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::domain::Text;
use crate::secrets::{is_encrypted, passphrase};
use crate::service::audit::AnchorLog;
use crate::service::backup::{self, BackupKey};
use crate::service::{ServiceError, shared};

use super::{Outcome, open_local as open};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (new; an encrypted store's key file goes beside it as
    /// DEST.keys). Default: a dated file in the system config's `backups` folder; on a shared
    /// records server backups always go there.
    #[arg(value_name = "DEST")]
    pub dest: Option<PathBuf>,
    /// Encrypt the backup of a plain store under a backup passphrase (asked for, or read
    /// from --passphrase-fd).
    #[arg(long)]
    pub encrypt: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup to restore (on a shared records server: its file name in the backups
    /// folder).
    #[arg(value_name = "SRC")]
    pub src: PathBuf,
    /// Do not ask "replace the store?" (for scripts).
    #[arg(long)]
    pub yes: bool,
    /// The anchor file to check the backup against and to write the restore marker to,
    /// instead of the system config's audit_anchors.
    #[arg(long, value_name = "FILE")]
    pub anchors: Option<PathBuf>,
}

fn bar(what: &'static str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{what} {{bar:40}} {{percent}}% ({{eta}} left)"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn tick(bar: &indicatif::ProgressBar) -> impl FnMut(u64, u64) + '_ {
    move |left, all| {
        bar.set_length(all);
        bar.set_position(all.saturating_sub(left));
    }
}

/// The backups folder of the system config.
fn backups_dir() -> Result<Option<PathBuf>, ServiceError> {
    Ok(super::system()?.backups)
}

fn dated_name(store: &Path) -> String {
    let stem = store
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    format!(
        "{stem}.backup-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    )
}

pub fn backup(store: &Path, a: &BackupArgs) -> Outcome {
    let dest = match (&a.dest, shared::active()) {
        (Some(_), true) => {
            return Err(ServiceError::Usage(
                "on this records server backups go only to the folder the system config names; leave DEST out".into(),
            ));
        }
        (Some(d), false) => d.clone(),
        (None, _) => match backups_dir()? {
            Some(dir) => dir.join(dated_name(store)),
            None => {
                return Err(ServiceError::Usage(
                    "say where the backup goes (chartroom backup DEST), or set backups in /etc/chartroom/config.toml".into(),
                ));
            }
        },
    };
    let mut svc = open(&store.into())?;
    let pass = if a.encrypt {
        Some(passphrase::read_new(
            "New backup passphrase (at least 8 characters): ",
        )?)
    } else {
        None
    };
    let protect = match &pass {
        Some(p) => BackupKey::Passphrase(p),
        None => BackupKey::AsStore,
    };
    let b = bar("Backing up");
    let done = svc.backup(store, &dest, protect, &mut tick(&b));
    b.finish_and_clear();
    let done = done?;
    outln!(
        "Backed up the store to {} (audit trail to row {}).",
        Text::from(done.dest.display().to_string()),
        done.head
    )?;
    if let Some(k) = &done.keys {
        outln!(
            "It is encrypted; its key file {} must stay beside it.",
            Text::from(k.display().to_string())
        )?;
    }
    Ok(0)
}

/// On a shared server a backup is named by its file name in the backups folder.
fn source(src: &Path) -> Result<PathBuf, ServiceError> {
    if !shared::active() {
        return Ok(src.to_path_buf());
    }
    let dir = backups_dir()?
        .ok_or_else(|| ServiceError::Setup("the system config names no backups folder".into()))?;
    let plain_name = src.components().count() == 1
        && src
            .file_name()
            .is_some_and(|n| !n.to_string_lossy().starts_with('.'));
    if !plain_name {
        return Err(ServiceError::Usage(format!(
            "on this records server a backup is named by its file name in {} (for example `chartroom restore site.db.backup-20261126T120000Z`)",
            dir.display()
        )));
    }
    Ok(dir.join(src))
}

pub fn restore(store: &Path, a: &RestoreArgs) -> Outcome {
    let src = source(&a.src)?;
    let opened = open(&store.into());
    let over_damaged = matches!(&opened, Err(e) if e.is_damaged_store());
    let mut svc = match opened {
        Ok(s) => Some(s),
        Err(_) if over_damaged => None,
        Err(e) => return Err(e),
    };
    let key = if is_encrypted(&src) {
        let p = passphrase::read(&format!(
            "Passphrase for the backup {} (yours on the day it was made, its recovery or its backup passphrase): ",
            src.display()
        ))?;
        Some(backup::backup_key(&src, &p)?)
    } else {
        None
    };
    if !a.yes {
        if !std::io::stdin().is_terminal() {
            return Err(ServiceError::Usage(
                "a restore replaces the whole store: run it at a terminal to confirm, or add --yes"
                    .into(),
            ));
        }
        errln!(
            "Replace the store {} with the backup {}{}? Audit rows written since the backup are archived first. [y/N] ",
            Text::from(store.display().to_string()),
            Text::from(src.display().to_string()),
            if over_damaged {
                " (the store is damaged: the backup's administrators decide)"
            } else {
                ""
            }
        );
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            outln!("Nothing was changed.")?;
            return Ok(0);
        }
    }
    let mut anchors = match &a.anchors {
        // A restore on a shared server keeps the store's group: it takes no path from the user.
        Some(_) if shared::active() => {
            return Err(ServiceError::Usage(
                "on this records server a restore marks the anchor file the system config names; leave --anchors out".into(),
            ));
        }
        Some(p) => Some(AnchorLog::open(p)),
        None => super::system()?.audit_anchors.map(|p| AnchorLog::open(&p)),
    };
    let archive_dir = match backups_dir()? {
        Some(d) => d,
        None => store
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    };
    let archive_dir = std::fs::canonicalize(&archive_dir).unwrap_or(archive_dir);
    let b = bar("Restoring");
    let done = match svc.as_mut() {
        Some(svc) => svc.restore(
            store,
            &src,
            key.as_ref(),
            anchors.as_mut(),
            &archive_dir,
            &mut tick(&b),
        ),
        None => {
            let login = crate::service::identity::os_login()
                .ok_or_else(|| ServiceError::UnknownLogin("?".into()))?;
            crate::service::recover::restore_over_damaged(
                store,
                &src,
                key.as_ref(),
                anchors.as_mut(),
                &archive_dir,
                crate::service::Clock::System,
                &login,
                &mut tick(&b),
            )
        }
    };
    b.finish_and_clear();
    let done = done?;
    outln!(
        "Restored the store from {}: its audit trail is back to row {}.",
        Text::from(src.display().to_string()),
        done.head
    )?;
    if over_damaged && done.archive.is_none() {
        errln!(
            "chartroom: the damaged store's audit rows past row {} could not be read, so anchors written for them will not match (`chartroom audit verify` says so); keep this message for your privacy officer",
            done.head
        );
    }
    if let Some(p) = &done.archive {
        outln!(
            "Audit rows {} to {} of the replaced store are archived at {}{}.",
            done.head + 1,
            done.replaced_head,
            Text::from(p.display().to_string()),
            if done.marked {
                ", and the anchor file says so"
            } else {
                ""
            }
        )?;
    }
    Ok(0)
}
