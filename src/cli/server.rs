//! `chartroom server …` (the credential of a store server, its backups) and `chartroom store
//! copy` (a whole store from one place to another).

use clap::{Args, Subcommand};

use crate::domain::Text;
use crate::secrets::token::ServerToken;
use crate::service::{self, Holds, Location, ServiceError};

use super::Outcome;

#[derive(Debug, Subcommand)]
pub enum ServerCmd {
    /// The credential (token) this account uses for a store server, kept in its OS keyring.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Back up the store server named by --db into an encrypted file (administrators).
    Backup(BackupArgs),
    /// Restore an encrypted backup into the empty store server named by --db, after checking
    /// it (administrators).
    Restore(RestoreArgs),
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Store the token for URL (asked for without echo, or read from --passphrase-fd); the
    /// server is asked first, and a token it refuses is not stored.
    Set { url: String },
    /// Remove the token for URL from this account's keyrings.
    Forget { url: String },
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to make (a new file; its key slots go beside it as FILE.keys).
    pub file: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file made by `chartroom server backup`.
    pub file: std::path::PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// Copy the whole store FROM (a file or a server) into TO (a new file, or an empty server
    /// database) in one consistent snapshot (administrators of FROM).
    Copy { from: String, to: String },
}

fn server_url(loc: &Location) -> Result<&str, ServiceError> {
    match loc {
        Location::Server(u) => Ok(u),
        Location::File(p) => Err(ServiceError::Usage(format!(
            "this command works on a store server (--db https://…), not on the file {}; for a file use `chartroom backup`",
            p.display()
        ))),
    }
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
            println!(
                "The server accepted the token and it is kept in {}{exp}{access}; {store}.",
                saved.kept_in
            );
            Ok(0)
        }
        TokenCmd::Forget { url } => {
            let n = service::forget_server_token(url);
            if n == 0 {
                println!(
                    "No token for {} was kept in this account's keyrings.",
                    Text::from(url.as_str())
                );
                Ok(1)
            } else {
                println!(
                    "Removed the token for {} from {n} keyring(s).",
                    Text::from(url.as_str())
                );
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
    let mut svc = super::open(&from)?;
    let bar = bar("Copying");
    let done = svc.copy_store(&to, &mut |n, of| {
        bar.set_length(of);
        bar.set_position(n);
    });
    bar.finish_and_clear();
    let done = done?;
    println!(
        "Copied {} rows in {} tables from {from} to {to}; its audit trail runs to row {} (check it with `chartroom --db {to} audit verify`).",
        done.rows, done.tables, done.audit_head
    );
    Ok(0)
}

pub fn run(loc: &Location, c: &ServerCmd) -> Outcome {
    match c {
        ServerCmd::Token(t) => token(t),
        ServerCmd::Backup(a) => {
            let url = server_url(loc)?;
            let pass = crate::secrets::passphrase::read_new("A passphrase for the backup: ")?;
            let mut svc = super::open(loc)?;
            let bar = bar("Backing up");
            let done = svc.backup_server(&a.file, &pass, &mut |n, of| {
                bar.set_length(of);
                bar.set_position(n);
            });
            bar.finish_and_clear();
            let done = done?;
            println!(
                "Backed up {url} into {} (encrypted; its key slot, under the backup passphrase, is {}): {} rows, audit trail to row {}.",
                a.file.display(),
                crate::secrets::key_file_path(&a.file).display(),
                done.rows,
                done.audit_head
            );
            Ok(0)
        }
        ServerCmd::Restore(a) => {
            let url = server_url(loc)?;
            let pass = crate::secrets::passphrase::read("The backup's passphrase: ")?;
            let bar = bar("Restoring");
            let done = service::restore_server(url, &a.file, &pass, &mut |n, of| {
                bar.set_length(of);
                bar.set_position(n);
            });
            bar.finish_and_clear();
            let done = done?;
            println!(
                "Restored {} into {url}: {} rows; `check` and `audit verify` passed on the backup before and on the server after (audit trail to row {}).",
                a.file.display(),
                done.rows,
                done.audit_head
            );
            Ok(0)
        }
    }
}
