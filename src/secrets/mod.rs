//! Secrets: the store's data key, its key slots, the OS keyring that caches it, and where
//! passphrases come from.
//!
//! An encrypted store is a SQLCipher file keyed with a random 256-bit data key given as a raw
//! key (`x'…'`), so opening runs no PBKDF2. The data key lives in key slots beside the store
//! (`<store>.keys`, see [`slots`]) as LUKS keeps its master key: one slot per user, sealed
//! under that user's passphrase (argon2id), plus a recovery slot. The OS keyring only caches
//! the unwrapped key ([`keyring`]); it is never the only copy. Nothing here writes a secret to
//! a plaintext file, and no error message carries key material or a passphrase.

pub mod keyring;
pub mod passphrase;
pub mod recovery;
pub mod slots;
pub mod token;

use std::path::{Path, PathBuf};

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Length of the data key in bytes (256 bits).
pub const KEY_LEN: usize = 32;

/// The store's data key. Zeroed when dropped; never printed (its `Debug` is redacted).
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct DataKey([u8; KEY_LEN]);

impl DataKey {
    /// A fresh random key from the OS generator.
    pub fn random() -> Self {
        let mut k = [0u8; KEY_LEN];
        fill_random(&mut k);
        DataKey(k)
    }

    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        let arr: [u8; KEY_LEN] = b.try_into().ok()?;
        Some(DataKey(arr))
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The SQLCipher raw-key literal `x'<64 hex>'`, in a buffer zeroed on drop.
    pub fn sqlcipher_literal(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(KEY_LEN * 2 + 3));
        s.push_str("x'");
        for b in self.0 {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 15) as usize] as char);
        }
        s.push('\'');
        s
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// Fills `buf` from the OS random generator.
pub fn fill_random(buf: &mut [u8]) {
    use chacha20poly1305::aead::{OsRng, rand_core::RngCore};
    OsRng.fill_bytes(buf);
}

/// Everything that can go wrong with keys, said without any secret in it.
#[derive(Debug, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum SecretError {
    #[error(
        "this store is encrypted and its key is not unlocked here; unlock it with `chartroom key unlock` \
         (or give the passphrase with --passphrase-fd)"
    )]
    KeyNeeded,
    #[error("the passphrase does not open any key slot of this store; nothing was changed")]
    WrongPassphrase,
    #[error(
        "the key slot {0} is damaged (the key file was edited or corrupted); use another user's passphrase \
         or the recovery passphrase; nothing was changed"
    )]
    DamagedSlot(String),
    #[error(
        "the key file {0} is missing or unreadable; an encrypted store cannot be opened without it \
         (restore it from backup); nothing was changed"
    )]
    NoKeyFile(PathBuf),
    #[error("the key file {0} is damaged ({1}); restore it from backup; nothing was changed")]
    BadKeyFile(PathBuf, String),
    #[error(
        "the key does not open this store (it was re-keyed, or the key file belongs to another store)"
    )]
    KeyMismatch,
    #[error("{0}")]
    Usage(String),
    #[error("cannot write {0}: {1}")]
    Io(PathBuf, String),
    #[error("no OS keyring is available ({0}); chartroom will ask for the passphrase each time")]
    NoKeyring(String),
}

impl SecretError {
    /// 2 usage, 3 the key file cannot be used, 4 locked (no key, wrong passphrase, damaged slot).
    pub fn exit_code(&self) -> i32 {
        match self {
            SecretError::Usage(_) => 2,
            SecretError::NoKeyFile(_) | SecretError::BadKeyFile(..) | SecretError::Io(..) => 3,
            SecretError::KeyNeeded
            | SecretError::WrongPassphrase
            | SecretError::DamagedSlot(_)
            | SecretError::KeyMismatch
            | SecretError::NoKeyring(_) => 4,
        }
    }
}

/// The key-slot file beside a store: `<store>.keys`.
pub fn key_file_path(store: &Path) -> PathBuf {
    let mut s = store.as_os_str().to_owned();
    s.push(".keys");
    PathBuf::from(s)
}

/// Whether the store at `path` is encrypted: it has a key file beside it. A file without
/// the SQLite header and without a key file is no store we can open (the plain open path
/// says so, and leaves the file untouched).
pub fn is_encrypted(path: &Path) -> bool {
    key_file_path(path).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_is_hex_and_debug_is_redacted() {
        let k = DataKey::from_bytes(&[0xab; 32]).unwrap();
        let lit = k.sqlcipher_literal();
        assert_eq!(lit.len(), 67);
        assert!(lit.starts_with("x'abab") && lit.ends_with('\''));
        assert_eq!(format!("{k:?}"), "DataKey(<redacted>)");
        assert_ne!(DataKey::random(), DataKey::random());
    }
}
