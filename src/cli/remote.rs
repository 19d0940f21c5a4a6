//! A store on a libSQL server from the shell: `chartroom server token set|forget URL` (the
//! credential in this account's keyring), `chartroom backup` / `restore` with `--db URL`, and
//! `chartroom store copy FROM TO`.

use clap::Subcommand;

use crate::domain::Text;
use crate::secrets::token::ServerToken;
use crate::service::audit::AnchorLog;
use crate::service::{self, Holds, Location, ServiceError};

use super::Outcome;
use super::backup::{BackupArgs, RestoreArgs};

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Store the token for URL (asked for without echo, or read from --passphrase-fd); the
    /// server is asked first, and a token it refuses is not stored.
    Set { url: String },
    /// Remove the token for URL from this account's keyrings.
    Forget { url: String },
}

#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// Copy the whole store FROM (a file or a server) into TO (a new file, or an empty server
    /// database) in one consistent snapshot (administrators of FROM).
    Copy { from: String, to: String },
}

pub fn token(c: &TokenCmd) -> Outcome {
    match c {
        TokenCmd::Set { url } => {
            let typed = crate::secrets::passphrase::read(&format!("Token for {url}: "))?;
            let t = ServerToken::parse(&typed)?;
            let saved = service::set_server_token(url, &t)?;
            let exp = saved
                .claims
                .exp
                .and_then(|e| chrono::DateTime::from_timestamp(e, 0))
                .map(|d| format!("; it expires {}", d.format("%Y-%m-%d %H:%M UTC")))
                .unwrap_or_else(|| "; it carries no expiry".into());
            let access = match saved.claims.access.as_deref() {
                Some("ro") => {
                    "; it may only read (chartroom writes an audit row for every look at a record, so a read-only token cannot be used for records work)"
                }
                Some("rw") => "; it may read and write",
                _ => "",
            };
            let store = match saved.holds {
                Holds::Store => "the server holds a chartroom store",
                Holds::Nothing => {
                    "the server holds no chartroom store yet (`chartroom init --db URL` or `chartroom store copy FILE URL`)"
                }
                Holds::Other => "the server holds a database that is not a chartroom store",
            };
            outln!(
                "The server accepted the token and it is kept in {}{exp}{access}; {store}.",
                saved.kept_in
            )?;
            Ok(0)
        }
        TokenCmd::Forget { url } => {
            let n = service::forget_server_token(url);
            let url = Text::from(url.as_str());
            if n == 0 {
                outln!("No token for {url} was kept in this account's keyrings.")?;
                Ok(1)
            } else {
                outln!("Removed the token for {url} from {n} keyring(s).")?;
                Ok(0)
            }
        }
    }
}

fn bar(what: &'static str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{what} {{bar:40}} {{pos}}/{{len}} rows ({{eta}} left)"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

pub fn copy(c: &StoreCmd) -> Outcome {
    let StoreCmd::Copy { from, to } = c;
    let from = Location::parse(from)?;
    let to = Location::parse(to)?;
    let mut svc = super::open_local(&from)?;
    let bar = bar("Copying");
    let done = svc.copy_store(&to, &mut |n, of| {
        bar.set_length(of);
        bar.set_position(n);
    });
    bar.finish_and_clear();
    let done = done?;
    let (f, t) = (Text::from(from.to_string()), Text::from(to.to_string()));
    outln!(
        "Copied {} rows in {} tables from {f} to {t}; its audit trail runs to row {} (check it with `chartroom --db {t} audit verify`).",
        done.rows,
        done.tables,
        done.audit_head
    )?;
    Ok(0)
}

/// `chartroom --db URL backup DEST`: always encrypted (a server store has no chartroom key of
/// its own), under a backup passphrase.
pub fn backup(url: &str, a: &BackupArgs) -> Outcome {
    let Some(dest) = &a.dest else {
        return Err(ServiceError::Usage(
            "say where the backup of a server store goes: chartroom --db URL backup DEST".into(),
        ));
    };
    let mut svc = super::open_local(&Location::Server(url.to_string()))?;
    let pass =
        crate::secrets::passphrase::read_new("New backup passphrase (at least 8 characters): ")?;
    let bar = bar("Backing up");
    let done = svc.backup_server(dest, &pass, &mut |n, of| {
        bar.set_length(of);
        bar.set_position(n);
    });
    bar.finish_and_clear();
    let done = done?;
    outln!(
        "Backed up {} to {} ({} rows, audit trail to row {}). It is encrypted; its key file {} (opened by the backup passphrase) must stay beside it.",
        Text::from(url),
        Text::from(dest.display().to_string()),
        done.rows,
        done.audit_head,
        Text::from(crate::secrets::key_file_path(dest).display().to_string())
    )?;
    Ok(0)
}

/// `chartroom --db URL restore SRC`: into an empty server database only, after `check` and
/// `audit verify` pass on the backup (against `--anchors` when given).
pub fn restore(url: &str, a: &RestoreArgs) -> Outcome {
    let anchors = match &a.anchors {
        Some(p) => Some(AnchorLog::read(p)),
        None => super::system()?.audit_anchors.map(|p| AnchorLog::read(&p)),
    };
    let pass = crate::secrets::passphrase::read("The backup's passphrase: ")?;
    let bar = bar("Restoring");
    let done = service::restore_server(url, &a.src, &pass, anchors.as_ref(), &mut |n, of| {
        bar.set_length(of);
        bar.set_position(n);
    });
    bar.finish_and_clear();
    let done = done?;
    outln!(
        "Restored {} into {}: {} rows; `check` and `audit verify` passed on the backup before and on the server after (audit trail to row {}).",
        Text::from(a.src.display().to_string()),
        Text::from(url),
        done.rows,
        done.audit_head
    )?;
    Ok(0)
}
