//! The OS keyring, as a cache of unwrapped data keys (never their only copy: the key slots
//! are). Built on `keyring-core` with two store crates taken directly:
//! `zbus-secret-service-keyring-store` (the desktop Secret Service, pure-Rust crypto) and
//! `linux-keyutils-keyring-store` (the kernel keyring; works over SSH, where pam_keyinit gives
//! each login a session keyring). A store is used only after a real set + get + delete of a
//! probe entry succeeds. When none works, nothing is cached: the passphrase is asked for each
//! session and the key kept in memory only. There is no plaintext fallback.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{DataKey, SecretError, fill_random};

/// The keyring service name for every chartroom entry.
pub const SERVICE: &str = "chartroom";

/// The site's `credential_store` setting (site_settings key `credential_store`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    Auto,
    SecretService,
    Keyutils,
    Prompt,
}

impl Pin {
    pub fn parse(s: &str) -> Option<Pin> {
        Some(match s.trim() {
            "" | "auto" => Pin::Auto,
            "secret-service" => Pin::SecretService,
            "keyutils" => Pin::Keyutils,
            "prompt" => Pin::Prompt,
            _ => return None,
        })
    }

    /// The stores this pin allows, in the order tried.
    fn kinds(self) -> &'static [Kind] {
        match self {
            Pin::Auto => &[Kind::SecretService, Kind::Keyutils],
            Pin::SecretService => &[Kind::SecretService],
            Pin::Keyutils => &[Kind::Keyutils],
            Pin::Prompt => &[],
        }
    }

    /// Both pins at once: what each allows (a narrower pin can only remove stores).
    pub fn narrow(self, other: Pin) -> Pin {
        match (self, other) {
            (Pin::Auto, p) | (p, Pin::Auto) => p,
            (a, b) if a == b => a,
            _ => Pin::Prompt,
        }
    }

    /// The pin for this process before the store is open: `auto`, narrowed by the
    /// `CHARTROOM_KEYRING` environment variable if set (which can only restrict, never add a
    /// store the site has not allowed; an unknown value means `prompt`).
    pub fn from_env() -> Pin {
        match std::env::var("CHARTROOM_KEYRING") {
            Ok(v) => Pin::parse(&v).unwrap_or(Pin::Prompt),
            Err(_) => Pin::Auto,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SecretService,
    Keyutils,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::SecretService => "the Secret Service",
            Kind::Keyutils => "the kernel keyring",
        }
    }
}

/// The keyring account of a store: derived from its canonical path.
pub fn account_for(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let h = Sha256::digest(abs.as_os_str().as_encoded_bytes());
    format!("store-key:{}", &hex::encode(h)[..32])
}

/// Says what a keyring error was without any payload (some variants carry secret bytes).
fn describe(e: &keyring_core::Error) -> String {
    use keyring_core::Error as E;
    match e {
        E::NoStorageAccess(p) => format!("access refused: {p}"),
        E::PlatformFailure(p) => format!("failed: {p}"),
        E::NoEntry => "no entry".into(),
        E::BadEncoding(_) | E::BadDataFormat(..) => "returned data in an unexpected form".into(),
        E::NoDefaultStore => "no store".into(),
        E::NotSupportedByStore(_) => "not supported".into(),
        _ => "unusable".into(),
    }
}

/// Runs `f` on a helper thread and gives up after `limit` (a locked Secret Service can wait
/// forever on a prompt nobody sees).
fn with_timeout<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| Err("did not answer in time".into()))
}

/// A real set + get + delete of a random probe entry.
pub fn probe(store: &Arc<CredentialStore>) -> Result<(), String> {
    let mut tag = [0u8; 8];
    fill_random(&mut tag);
    let entry = store
        .build(SERVICE, &format!("probe-{}", hex::encode(tag)), None)
        .map_err(|e| describe(&e))?;
    let mut value = Zeroizing::new([0u8; 16]);
    fill_random(value.as_mut());
    entry.set_secret(value.as_ref()).map_err(|e| describe(&e))?;
    let back = entry.get_secret().map(Zeroizing::new);
    let _ = entry.delete_credential();
    match back {
        Ok(b) if b.as_slice() == value.as_ref() => Ok(()),
        Ok(_) => Err("gave back a different value".into()),
        Err(e) => Err(describe(&e)),
    }
}

/// The Secret Service store, probed.
pub fn secret_service() -> Result<Arc<CredentialStore>, String> {
    with_timeout(Duration::from_secs(10), || {
        let store: Arc<CredentialStore> =
            zbus_secret_service_keyring_store::Store::new().map_err(|e| describe(&e))?;
        probe(&store)?;
        Ok(store)
    })
}

/// The kernel keyring store, probed. A process without a session keyring gets one first
/// (it then reaches the per-user persistent keyring the store links every key into).
/// Runs on the calling thread: keyrings belong to a thread's credentials, so the probe and
/// every later use must happen on the same thread (kernel calls do not block, so no timeout).
pub fn keyutils() -> Result<Arc<CredentialStore>, String> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    KeyRing::from_special_id(KeyRingIdentifier::Session, true)
        .map_err(|e| format!("no session keyring: {e}"))?;
    let store: Arc<CredentialStore> =
        linux_keyutils_keyring_store::Store::new().map_err(|e| describe(&e))?;
    probe(&store)?;
    Ok(store)
}

/// The working stores a pin allows, in order, and why the others were left out.
pub struct Cache {
    stores: Vec<(Kind, Arc<CredentialStore>)>,
    refused: Vec<String>,
}

impl Cache {
    /// Probes the stores `pin` allows.
    pub fn open(pin: Pin) -> Cache {
        let mut c = Cache {
            stores: Vec::new(),
            refused: Vec::new(),
        };
        for &k in pin.kinds() {
            let r = match k {
                Kind::SecretService => secret_service(),
                Kind::Keyutils => keyutils(),
            };
            match r {
                Ok(s) => c.stores.push((k, s)),
                Err(why) => {
                    tracing::debug!(store = k.name(), why = %why, "keyring store not used");
                    c.refused.push(format!("{}: {why}", k.name()));
                }
            }
        }
        if pin == Pin::Prompt {
            c.refused
                .push("the site's credential_store is `prompt`".into());
        }
        c
    }

    /// A cache over given stores (tests), still probed.
    pub fn with_stores(stores: Vec<(Kind, Arc<CredentialStore>)>) -> Cache {
        let mut c = Cache {
            stores: Vec::new(),
            refused: Vec::new(),
        };
        for (k, s) in stores {
            match probe(&s) {
                Ok(()) => c.stores.push((k, s)),
                Err(why) => c.refused.push(format!("{}: {why}", k.name())),
            }
        }
        c
    }

    /// The stores `pin` allows (`keep`) or the ones it does not (`!keep`).
    pub fn split(&self, pin: Pin, keep: bool) -> Cache {
        Cache {
            stores: self
                .stores
                .iter()
                .filter(|(k, _)| pin.kinds().contains(k) == keep)
                .cloned()
                .collect(),
            refused: if pin == Pin::Prompt && keep {
                vec!["the site's credential_store is `prompt`".into()]
            } else {
                self.refused.clone()
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.stores.is_empty()
    }

    /// Why there is no store (for the "asking each time" message).
    pub fn why_none(&self) -> String {
        if self.refused.is_empty() {
            "none is allowed".into()
        } else {
            self.refused.join("; ")
        }
    }

    fn entry(&self, s: &Arc<CredentialStore>, account: &str) -> Option<Entry> {
        s.build(SERVICE, account, None).ok()
    }

    /// The cached key for `account`, from the first store that has one.
    pub fn get(&self, account: &str) -> Option<DataKey> {
        self.lookup(account).map(|(_, k)| k)
    }

    /// The cached key for `account` and the store that had it.
    pub fn lookup(&self, account: &str) -> Option<(Kind, DataKey)> {
        for (kind, s) in &self.stores {
            if let Some(e) = self.entry(s, account)
                && let Ok(b) = e.get_secret()
                && let Some(k) = DataKey::from_bytes(&Zeroizing::new(b))
            {
                return Some((*kind, k));
            }
        }
        None
    }

    /// The first store holding an entry for `account`.
    pub fn has(&self, account: &str) -> Option<Kind> {
        self.stores.iter().find_map(|(k, s)| {
            let e = self.entry(s, account)?;
            e.get_secret().map(Zeroizing::new).ok().map(|_| *k)
        })
    }

    /// Caches `key` in the first store that takes it; which one.
    pub fn put(&self, account: &str, key: &DataKey) -> Result<Kind, SecretError> {
        self.put_bytes(account, key.as_bytes())
    }

    /// Other secret bytes for `account` (a records server's session token), from the first
    /// store that has them.
    pub fn get_bytes(&self, account: &str) -> Option<Zeroizing<Vec<u8>>> {
        self.stores.iter().find_map(|(_, s)| {
            let e = self.entry(s, account)?;
            e.get_secret().ok().map(Zeroizing::new)
        })
    }

    /// Keeps secret bytes for `account` in the first store that takes them; which one.
    pub fn put_bytes(&self, account: &str, bytes: &[u8]) -> Result<Kind, SecretError> {
        let mut why = Vec::new();
        for (k, s) in &self.stores {
            match self.entry(s, account).map(|e| e.set_secret(bytes)) {
                Some(Ok(())) => return Ok(*k),
                Some(Err(e)) => {
                    // A store may fail half-way (keyutils adds, then cannot link): leave nothing.
                    if let Some(en) = self.entry(s, account) {
                        let _ = en.delete_credential();
                    }
                    why.push(format!("{}: {}", k.name(), describe(&e)))
                }
                None => why.push(format!("{}: cannot make an entry", k.name())),
            }
        }
        if why.is_empty() {
            why.push(self.why_none());
        }
        Err(SecretError::NoKeyring(why.join("; ")))
    }

    /// Any secret kept under `account` (a server credential), from the first store with one.
    pub fn get_secret(&self, account: &str) -> Option<(Kind, Zeroizing<Vec<u8>>)> {
        self.stores.iter().find_map(|(kind, s)| {
            let e = self.entry(s, account)?;
            e.get_secret().ok().map(|b| (*kind, Zeroizing::new(b)))
        })
    }

    /// Keeps `secret` under `account` in the first store that takes it; which one.
    pub fn put_secret(&self, account: &str, secret: &[u8]) -> Result<Kind, SecretError> {
        let mut why = Vec::new();
        for (k, s) in &self.stores {
            match self.entry(s, account).map(|e| e.set_secret(secret)) {
                Some(Ok(())) => return Ok(*k),
                Some(Err(e)) => {
                    if let Some(en) = self.entry(s, account) {
                        let _ = en.delete_credential();
                    }
                    why.push(format!("{}: {}", k.name(), describe(&e)))
                }
                None => why.push(format!("{}: cannot make an entry", k.name())),
            }
        }
        if why.is_empty() {
            why.push(self.why_none());
        }
        Err(SecretError::NoKeyring(why.join("; ")))
    }

    /// Removes `account` from every store; how many held it.
    pub fn forget(&self, account: &str) -> usize {
        let mut n = 0;
        for (_, s) in &self.stores {
            if let Some(e) = self.entry(s, account)
                && e.delete_credential().is_ok()
            {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_parse_and_narrow() {
        assert_eq!(Pin::parse("auto"), Some(Pin::Auto));
        assert_eq!(Pin::parse("keyutils"), Some(Pin::Keyutils));
        assert_eq!(Pin::parse("plaintext"), None);
        assert_eq!(Pin::Auto.narrow(Pin::Keyutils), Pin::Keyutils);
        assert_eq!(Pin::Keyutils.narrow(Pin::SecretService), Pin::Prompt);
        assert_eq!(Pin::Prompt.narrow(Pin::Auto), Pin::Prompt);
    }

    #[test]
    fn the_mock_store_caches_and_forgets() {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let c = Cache::with_stores(vec![(Kind::Keyutils, store)]);
        assert!(!c.is_empty());
        let k = DataKey::random();
        assert!(c.get("a").is_none());
        c.put("a", &k).unwrap();
        assert_eq!(c.get("a"), Some(k));
        assert_eq!(c.forget("a"), 1);
        assert!(c.get("a").is_none());
    }

    #[test]
    fn accounts_differ_by_store_path() {
        assert_ne!(
            account_for(Path::new("/x/a.db")),
            account_for(Path::new("/x/b.db"))
        );
        assert!(account_for(Path::new("/x/a.db")).starts_with("store-key:"));
    }
}
