//! `chartroom key …`: the data key of an encrypted store. Passphrases come from the terminal
//! or `--passphrase-fd N`, never from an argument.

use std::path::Path;

use clap::Subcommand;

use crate::secrets::keyring::{Cache, Kind};
use crate::secrets::slots::{KdfParams, SlotKind};
use crate::secrets::{SecretError, is_encrypted, passphrase};
use crate::service::keys::{self, KeySource};
use crate::service::{Clock, ServiceError};

use super::Outcome;
use crate::domain::Text;

#[derive(Debug, Subcommand)]
pub enum KeyCmd {
    /// Ask for your passphrase (or the recovery passphrase) and keep the store's key in the
    /// OS keyring for this login, so later commands open the store without asking.
    Unlock,
    /// Remove the store's key from the OS keyring; the next command asks for a passphrase.
    Lock,
    /// Give a user a key slot under a passphrase they type (administrators).
    AddSlot {
        /// The chartroom user name.
        user: String,
    },
    /// Take a user's key slot away (administrators); then run `key rotate`.
    RemoveSlot {
        /// The chartroom user name.
        user: String,
    },
    /// Re-key the store under a new random key and re-seal every slot (administrators).
    /// Passphrases stay the same; the old key stops working.
    Rotate,
    /// List the key slots (administrators).
    Slots,
}

fn where_cached(k: Kind) -> &'static str {
    k.name()
}

fn need_encrypted(path: &Path) -> Result<(), ServiceError> {
    if !path.exists() {
        return Err(ServiceError::no_store(&path.into()));
    }
    if !is_encrypted(path) {
        return Err(ServiceError::Usage(format!(
            "{} is not encrypted; only a store made with `chartroom init --encrypt` has keys",
            path.display()
        )));
    }
    Ok(())
}

pub fn run(path: &Path, cmd: &KeyCmd) -> Outcome {
    need_encrypted(path)?;
    match cmd {
        KeyCmd::Unlock => {
            let cache = Cache::open(keys::process_pin());
            let k = keys::open_encrypted_with(path, &cache, true)?;
            match k.cached_in {
                Some(kind) => {
                    outln!(
                        "Unlocked: the key is kept in {} for this login.",
                        where_cached(kind)
                    )?;
                    Ok(0)
                }
                None => {
                    let why = Text::from(k.not_cached_why.unwrap_or_default());
                    errln!("The passphrase is right, but the key was not kept: {why}");
                    Ok(4)
                }
            }
        }
        KeyCmd::Lock => {
            let n = keys::lock(path);
            outln!(
                "Locked: the key was removed from {n} keyring(s); the next command asks for a passphrase."
            )?;
            Ok(0)
        }
        KeyCmd::AddSlot { user } => {
            let (mut svc, info) = keys::open_service(path, Clock::System)?;
            let info = info.ok_or(SecretError::KeyNeeded)?;
            let shown = Text::from(user.as_str());
            let pass = passphrase::read_new(&format!("New key passphrase for {shown}: "))?;
            svc.add_key_slot(path, &info.key, user, &pass, KdfParams::default())?;
            outln!("{shown} now has a key slot.")?;
            Ok(0)
        }
        KeyCmd::RemoveSlot { user } => {
            let (mut svc, _) = keys::open_service(path, Clock::System)?;
            svc.remove_key_slot(path, user)?;
            outln!(
                "The key slot of {} is gone. Run `chartroom key rotate` so an old copy of the key stops working.",
                Text::from(user.as_str())
            )?;
            Ok(0)
        }
        KeyCmd::Rotate => {
            let (mut svc, info) = keys::open_service(path, Clock::System)?;
            let info = info.ok_or(SecretError::KeyNeeded)?;
            let cache = Cache::open(keys::process_pin());
            svc.rotate_key(path, &info.key, &cache)?;
            outln!(
                "Re-keyed: the store has a new key; every slot was re-sealed and passphrases are unchanged."
            )?;
            if matches!(info.source, KeySource::Passphrase) && info.cached_in.is_none() {
                outln!(
                    "The new key is not kept in a keyring; the next command asks for a passphrase."
                )?;
            }
            Ok(0)
        }
        KeyCmd::Slots => {
            let (mut svc, _) = keys::open_service(path, Clock::System)?;
            for (id, user, kind) in svc.key_slots(path)? {
                let what = match kind {
                    SlotKind::User => format!("user {}", user.unwrap_or_else(|| "?".into())),
                    SlotKind::Recovery => "recovery".to_string(),
                };
                outln!("{id}\t{what}")?;
            }
            Ok(0)
        }
    }
}

/// Asks for the administrator's new key passphrase (for `init --encrypt`).
pub fn new_passphrase(login: &str) -> Result<zeroize::Zeroizing<String>, ServiceError> {
    Ok(passphrase::read_new(&format!(
        "New key passphrase for {} (at least 8 characters): ",
        Text::from(login)
    ))?)
}

/// The OS keyrings this login may cache a store key in.
pub fn user_cache() -> Cache {
    Cache::open(keys::process_pin())
}

/// Prints the recovery passphrase once, with what to do with it.
pub fn print_recovery(path: &Path, rec: &str) -> Result<(), ServiceError> {
    outln!(
        "The store is encrypted. Its keys are in {}.",
        crate::secrets::key_file_path(path).display()
    )?;
    outln!("RECOVERY PASSPHRASE (shown once; write it down and lock it away):")?;
    outln!("    {rec}")?;
    outln!(
        "It opens the store if every user passphrase is lost: `chartroom key unlock` and type it."
    )?;
    Ok(())
}
