//! Encrypted stores: creating one, opening one (cached key, else a passphrase), and the key
//! commands (unlock, lock, add and remove a slot, rotate). Pairs each key change with its
//! audit row. No key material or passphrase ever reaches a message or a log.

use std::path::Path;

use crate::domain::{Action, Object, Permission, Text};
use crate::secrets::keyring::{Cache, Kind, Pin, account_for};
use crate::secrets::slots::{KdfParams, KeyFile, Slot, SlotKind, normalise_recovery};
use crate::secrets::{DataKey, SecretError, is_encrypted, key_file_path, passphrase};
use crate::store::{self, OpenMode, SqliteDb, StoreError, Tx};
use zeroize::Zeroizing;

use super::entry::Op;
use super::{Clock, Result, Service, ServiceError, identity};

/// Where the key of an opened store came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The OS keyring had it.
    Cache(Kind),
    /// A passphrase opened a key slot.
    Passphrase,
}

/// An open encrypted store with its key.
pub struct KeyedDb {
    pub db: SqliteDb,
    pub key: DataKey,
    pub source: KeySource,
    /// Where the key is cached now (none: asked for each session, kept in memory only).
    pub cached_in: Option<Kind>,
    /// Why it is not cached, when it is not.
    pub not_cached_why: Option<String>,
}

/// The site's `credential_store` setting; a missing row is `auto`, an unknown value or an
/// unreadable table `prompt` (fail closed). `site set` can validate values with [`Pin::parse`].
pub fn site_pin(db: &dyn Tx) -> Pin {
    match db.query_row(
        "SELECT value FROM site_settings WHERE key = 'credential_store'",
        &[],
    ) {
        Ok(Some(r)) => r
            .text(0)
            .ok()
            .and_then(|v| Pin::parse(&v))
            .unwrap_or(Pin::Prompt),
        Ok(None) => Pin::Auto,
        Err(_) => Pin::Prompt,
    }
}

/// The keyrings this process may use: none at all on a shared records server (the user could
/// read a key cached in their own keyring with keyctl, so each process unwraps its user's
/// slot from a typed passphrase and keeps the key in memory only); else `auto`, narrowed by
/// `CHARTROOM_KEYRING`.
pub fn process_pin() -> Pin {
    if super::shared::active() {
        Pin::Prompt
    } else {
        Pin::from_env()
    }
}

/// Opens an encrypted store: the key cached in the OS keyring, else a passphrase (terminal
/// or `--passphrase-fd`); then caches the key where the site allows.
pub fn open_encrypted(path: &Path) -> Result<KeyedDb> {
    open_encrypted_with(path, &Cache::open(process_pin()), false)
}

/// As [`open_encrypted`], over a given cache; `ask` skips the cache and asks for a passphrase.
pub fn open_encrypted_with(path: &Path, cache: &Cache, ask: bool) -> Result<KeyedDb> {
    open_inner(path, cache, ask, &|| {
        if !passphrase::available() {
            return Err(SecretError::KeyNeeded);
        }
        passphrase::read(&format!("Passphrase for the store {}: ", path.display()))
    })
}

/// Opens with `pass` (tests, and callers that already hold a passphrase), skipping the cache
/// for the key but caching it after.
pub fn open_with_passphrase(path: &Path, cache: &Cache, pass: &str) -> Result<KeyedDb> {
    open_inner(path, cache, true, &|| Ok(Zeroizing::new(pass.to_string())))
}

type Asker<'a> = &'a dyn Fn() -> std::result::Result<Zeroizing<String>, SecretError>;

fn open_inner(path: &Path, cache: &Cache, ask: bool, asker: Asker<'_>) -> Result<KeyedDb> {
    if !path.exists() {
        return Err(StoreError::NoStore(path.to_path_buf()).into());
    }
    let account = account_for(path);
    if !ask && let Some((kind, k)) = cache.lookup(&account) {
        match store::open_file(path, OpenMode::Existing, Some(&k)) {
            Ok(db) => return Ok(settle(db, k, KeySource::Cache(kind), cache, &account)),
            // A stale cache entry (the store was re-keyed elsewhere): drop it and ask.
            Err(StoreError::Encrypted(_)) => {
                cache.forget(&account);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let kf = KeyFile::load(&key_file_path(path))?;
    let pass = asker()?;
    let login = identity::os_login();
    let keys = match kf.open_all(login.as_deref(), pass.as_bytes()) {
        Err(SecretError::WrongPassphrase) => {
            let norm = normalise_recovery(&pass);
            if *norm != *pass {
                kf.open_all(login.as_deref(), norm.as_bytes())?
            } else {
                return Err(SecretError::WrongPassphrase.into());
            }
        }
        other => other?,
    };
    for k in keys {
        match store::open_file(path, OpenMode::Existing, Some(&k)) {
            Ok(db) => {
                let mut kf = kf;
                if kf.settle_pending(&k) {
                    // Best effort: an interrupted rotation is finished (or undone) now.
                    let _ = kf.save(&key_file_path(path));
                }
                return Ok(settle(db, k, KeySource::Passphrase, cache, &account));
            }
            Err(StoreError::Encrypted(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(SecretError::KeyMismatch.into())
}

/// After a successful open: apply the site's pin (purge the key from stores it does not
/// allow) and cache a key that came from a passphrase.
fn settle(db: SqliteDb, key: DataKey, source: KeySource, cache: &Cache, account: &str) -> KeyedDb {
    let pin = process_pin().narrow(site_pin(&db));
    cache.split(pin, false).forget(account);
    let allowed = cache.split(pin, true);
    let had = match source {
        KeySource::Cache(_) => allowed.has(account),
        KeySource::Passphrase => None,
    };
    let (cached_in, why) = match had {
        Some(k) => (Some(k), None),
        None => match allowed.put(account, &key) {
            Ok(k) => (Some(k), None),
            Err(e) => (None, Some(e.to_string())),
        },
    };
    let source = match (source, cached_in) {
        (KeySource::Cache(_), Some(k)) => KeySource::Cache(k),
        (s, _) => s,
    };
    KeyedDb {
        db,
        key,
        source,
        cached_in,
        not_cached_why: why,
    }
}

/// Creates an encrypted store at `path` (which must not exist) with a slot for `user` under
/// `pass` and a recovery slot under `recovery`; caches the key in `cache`. The key file is written first, so the store
/// never exists without its slots.
pub fn create_encrypted(
    path: &Path,
    user: &str,
    os_login: &str,
    pass: &str,
    recovery: &str,
    params: KdfParams,
    cache: &Cache,
) -> Result<KeyedDb> {
    let kpath = key_file_path(path);
    if (path.exists() && !store::is_empty_file(path)) || kpath.exists() {
        return Err(ServiceError::Usage(format!(
            "a store or key file already exists at {}; nothing was changed",
            path.display()
        )));
    }
    let key = DataKey::random();
    let mut kf = KeyFile::new();
    let id = kf.store_id.clone();
    kf.slots.push(Slot::create(
        &id,
        SlotKind::User,
        Some(user),
        Some(os_login),
        pass.as_bytes(),
        params,
        &key,
    )?);
    kf.slots.push(Slot::create(
        &id,
        SlotKind::Recovery,
        None,
        None,
        recovery.as_bytes(),
        params,
        &key,
    )?);
    kf.save(&kpath)?;
    let db = match store::open_file(path, OpenMode::Create, Some(&key)) {
        Ok(db) => db,
        Err(e) => {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut p = path.as_os_str().to_owned();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
            let _ = std::fs::remove_file(&kpath);
            return Err(e.into());
        }
    };
    Ok(settle(
        db,
        key,
        KeySource::Passphrase,
        cache,
        &account_for(path),
    ))
}

/// Opens a service on a store, encrypted or not, and hands back its key when it has one.
pub fn open_service(path: &Path, clock: Clock) -> Result<(Service, Option<KeyedInfo>)> {
    let login = identity::os_login().ok_or_else(|| ServiceError::UnknownLogin("?".into()))?;
    if is_encrypted(path) {
        let k = open_encrypted(path)?;
        let info = KeyedInfo {
            key: k.key,
            source: k.source,
            cached_in: k.cached_in,
            not_cached_why: k.not_cached_why,
        };
        let svc = Service::with_db(Box::new(k.db), clock, &login)?;
        Ok((svc, Some(info)))
    } else {
        let db = store::open_file(path, OpenMode::Existing, None)?;
        Ok((Service::with_db(Box::new(db), clock, &login)?, None))
    }
}

/// The key of an open encrypted store and where it is cached.
pub struct KeyedInfo {
    pub key: DataKey,
    pub source: KeySource,
    pub cached_in: Option<Kind>,
    pub not_cached_why: Option<String>,
}

/// Removes the cached key of `path` from every keyring; how many held it.
pub fn lock(path: &Path) -> usize {
    Cache::open(Pin::Auto.narrow(process_pin())).forget(&account_for(path))
}

impl Service {
    /// Adds (or replaces) `username`'s key slot, opened by `pass`. Administrators only; the
    /// key file is rewritten outside the store, so a `started` row comes first.
    pub fn add_key_slot(
        &mut self,
        store_path: &Path,
        key: &DataKey,
        username: &str,
        pass: &str,
        params: KdfParams,
    ) -> Result<()> {
        let user = store::users::by_username(self.db(), username)?
            .ok_or_else(|| ServiceError::NotFound(format!("the chartroom user \"{username}\"")))?;
        let object = Some(Object::KeySlot(format!("user:{}", user.username.raw())));
        self.run_outside(Action::KeySlotAdd, Permission::ManageUsers, object, |_| {
            let kpath = key_file_path(store_path);
            let mut kf = KeyFile::load(&kpath)?;
            let slot = Slot::create(
                &kf.store_id,
                SlotKind::User,
                Some(user.username.raw()),
                user.os_login.as_ref().map(|l| l.raw()),
                pass.as_bytes(),
                params,
                key,
            )?;
            kf.slots.retain(|s| s.id != slot.id);
            kf.slots.push(slot);
            kf.save(&kpath)?;
            Ok(())
        })
    }

    /// Removes `username`'s key slot. The recovery slot and the last user slot stay.
    /// Afterwards run `chartroom key rotate` so a copy of the old key cannot open the store.
    pub fn remove_key_slot(&mut self, store_path: &Path, username: &str) -> Result<()> {
        let id = format!("user:{username}");
        let object = Some(Object::KeySlot(id.clone()));
        self.run_outside(
            Action::KeySlotRemove,
            Permission::ManageUsers,
            object,
            |_| {
                let kpath = key_file_path(store_path);
                let mut kf = KeyFile::load(&kpath)?;
                if !kf.slots.iter().any(|s| s.id == id) {
                    return Err(ServiceError::NotFound(format!(
                        "a key slot for \"{username}\""
                    )));
                }
                if kf.slots.iter().filter(|s| s.kind == SlotKind::User).count() < 2 {
                    return Err(ServiceError::Usage(
                        "that is the last user key slot; add another first".into(),
                    ));
                }
                kf.slots.retain(|s| s.id != id);
                kf.save(&kpath)?;
                Ok(())
            },
        )
    }

    /// Re-keys the store under a new random data key and re-seals every slot to it (no
    /// passphrase needed: slots are sealed to their public halves). The next slots are
    /// written beside the current ones first, so a crash half-way leaves a store that opens.
    /// `cache` is where to replace the cached key (narrowed here by the site's pin).
    pub fn rotate_key(
        &mut self,
        store_path: &Path,
        old: &DataKey,
        cache: &Cache,
    ) -> Result<DataKey> {
        self.run_outside(Action::KeyRotate, Permission::ManageUsers, None, |svc| {
            let kpath = key_file_path(store_path);
            let mut kf = KeyFile::load(&kpath)?;
            let new = DataKey::random();
            kf.pending = kf
                .slots
                .iter()
                .map(|s| s.reseal(&kf.store_id, &new))
                .collect::<std::result::Result<_, _>>()?;
            kf.pending_check = Some(kf.key_check(&new));
            kf.save(&kpath)?;
            if let Err(e) = svc.db().rekey(&new) {
                kf.pending.clear();
                kf.pending_check = None;
                kf.save(&kpath)?;
                return Err(e.into());
            }
            // The new key must open the file and the old one must not, before the old slots go.
            SqliteDb::connect(store_path, OpenMode::Existing, Some(&new))?;
            if SqliteDb::connect(store_path, OpenMode::Existing, Some(old)).is_ok() {
                return Err(StoreError::Other(
                    "the old key still opens the store after re-keying".into(),
                )
                .into());
            }
            kf.settle_pending(&new);
            kf.save(&kpath)?;
            let account = account_for(store_path);
            cache.forget(&account);
            let _ = cache.split(site_pin(svc.db()), true).put(&account, &new);
            Ok(new)
        })
    }

    /// The slots of the store: (id, user, kind). Administrators; audited.
    pub fn key_slots(&mut self, store_path: &Path) -> Result<Vec<(Text, Option<Text>, SlotKind)>> {
        let op = Op::read(Action::KeySlots, Permission::ManageUsers);
        self.run(op, |cx| {
            let kf = KeyFile::load(&key_file_path(store_path))?;
            cx.note.detail = Some(format!("slots={}", kf.slots.len()));
            Ok(kf
                .slots
                .into_iter()
                .map(|s| (Text::from(s.id), s.user.map(Text::from), s.kind))
                .collect())
        })
    }
}
