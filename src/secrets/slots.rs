//! Key slots, as LUKS keeps them, in a small file beside the store: `<store>.keys` (JSON,
//! mode 0600, replaced atomically).
//!
//! Why a side file and not a table: the store itself is encrypted under the data key, so the
//! slots that unlock it must be readable before it is open. Nothing in the file is secret on
//! its own: each slot holds an X25519 key pair whose private half is sealed (ChaCha20-Poly1305)
//! under a key derived from that slot's passphrase with argon2id (salt and cost recorded per
//! slot), and the data key sealed to the slot's public half (X25519 + HKDF-SHA256 +
//! ChaCha20-Poly1305). Sealing to a public key lets `key rotate` re-seal a new data key into
//! *every* slot without knowing anyone's passphrase. Every field that names a slot is bound in
//! as associated data, and a SHA-256 check over the slot tells "damaged" apart from "wrong
//! passphrase".

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

pub use super::recovery::{normalise_recovery, recovery_passphrase};
use super::{DataKey, KEY_LEN, SecretError, fill_random};

const FORMAT: u32 = 1;

/// argon2id cost, recorded in each slot so it can be raised later without breaking old slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

impl Default for KdfParams {
    /// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        KdfParams {
            m_kib: 19 * 1024,
            t: 2,
            p: 1,
        }
    }
}

impl KdfParams {
    /// Cheap parameters for unit tests only.
    pub const TEST: KdfParams = KdfParams {
        m_kib: 64,
        t: 1,
        p: 1,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    User,
    Recovery,
}

/// One key slot. All byte fields are hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub id: String,
    pub kind: SlotKind,
    /// The chartroom user this slot belongs to (none for the recovery slot).
    pub user: Option<String>,
    /// That user's OS login, so the right slot is tried first.
    pub os_login: Option<String>,
    pub kdf: String,
    pub params: KdfParams,
    pub salt: String,
    pub public: String,
    pub secret_nonce: String,
    pub wrapped_secret: String,
    pub ephemeral: String,
    pub key_nonce: String,
    pub sealed_key: String,
    pub check: String,
}

/// The whole key file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFile {
    pub format: u32,
    /// Random id of this store's key file, bound into every slot.
    pub store_id: String,
    pub slots: Vec<Slot>,
    /// During `key rotate`: the same slots sealing the next key, kept until the store has
    /// been re-keyed, so a crash half-way never leaves a store nobody can open.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<Slot>,
    /// A keyed hash of the next key during a rotation (a hash of 256 random bits reveals
    /// nothing), so the first open after a crash can tell whether the re-key happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_check: Option<String>,
}

fn unhex(s: &str, what: &str) -> Result<Vec<u8>, SecretError> {
    hex::decode(s).map_err(|_| SecretError::DamagedSlot(what.to_string()))
}

fn derive_kek(pass: &[u8], salt: &[u8], p: KdfParams) -> Result<Zeroizing<[u8; 32]>, SecretError> {
    let params = argon2::Params::new(p.m_kib, p.t, p.p, Some(32)).map_err(|_| {
        SecretError::Usage("the key slot records an impossible argon2id cost".into())
    })?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    a.hash_password_into(pass, salt, out.as_mut())
        .map_err(|_| SecretError::Usage("the passphrase could not be used (too long?)".into()))?;
    Ok(out)
}

fn seal_key(shared: &[u8; 32], eph: &PublicKey, public: &PublicKey) -> Zeroizing<[u8; 32]> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(eph.as_bytes());
    salt[32..].copy_from_slice(public.as_bytes());
    let hk = hkdf::Hkdf::<Sha256>::new(Some(&salt), shared);
    let mut k = Zeroizing::new([0u8; 32]);
    hk.expand(b"chartroom key slot v1", k.as_mut())
        .expect("32 bytes is a valid HKDF length");
    k
}

fn nonce() -> [u8; 12] {
    let mut n = [0u8; 12];
    fill_random(&mut n);
    n
}

impl Slot {
    /// Associated data: everything that names the slot and its public half.
    fn aad(&self, store_id: &str) -> String {
        format!(
            "chartroom-slot-v1|{store_id}|{}|{:?}|{}|{}|{}|{}|{}|{}|{}",
            self.id,
            self.kind,
            self.user.as_deref().unwrap_or(""),
            self.kdf,
            self.params.m_kib,
            self.params.t,
            self.params.p,
            self.salt,
            self.public
        )
    }

    fn compute_check(&self, store_id: &str) -> String {
        let mut h = Sha256::new();
        for part in [
            self.aad(store_id).as_str(),
            self.os_login.as_deref().unwrap_or(""),
            &self.secret_nonce,
            &self.wrapped_secret,
            &self.ephemeral,
            &self.key_nonce,
            &self.sealed_key,
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
    }

    /// A new slot holding `key`, opened by `passphrase`.
    pub fn create(
        store_id: &str,
        kind: SlotKind,
        user: Option<&str>,
        os_login: Option<&str>,
        passphrase: &[u8],
        params: KdfParams,
        key: &DataKey,
    ) -> Result<Slot, SecretError> {
        let mut salt = [0u8; 16];
        fill_random(&mut salt);
        let mut sk_bytes = Zeroizing::new([0u8; 32]);
        fill_random(sk_bytes.as_mut());
        let secret = StaticSecret::from(*sk_bytes);
        let public = PublicKey::from(&secret);
        let id = match (kind, user) {
            (SlotKind::Recovery, _) => "recovery".to_string(),
            (SlotKind::User, Some(u)) => format!("user:{u}"),
            (SlotKind::User, None) => {
                return Err(SecretError::Usage("a user slot needs a user".into()));
            }
        };
        let mut slot = Slot {
            id,
            kind,
            user: user.map(str::to_string),
            os_login: os_login.map(str::to_string),
            kdf: "argon2id".into(),
            params,
            salt: hex::encode(salt),
            public: hex::encode(public.as_bytes()),
            secret_nonce: String::new(),
            wrapped_secret: String::new(),
            ephemeral: String::new(),
            key_nonce: String::new(),
            sealed_key: String::new(),
            check: String::new(),
        };
        let kek = derive_kek(passphrase, &salt, params)?;
        let n = nonce();
        let aad = slot.aad(store_id);
        let wrapped = ChaCha20Poly1305::new(Key::from_slice(kek.as_ref()))
            .encrypt(
                Nonce::from_slice(&n),
                Payload {
                    msg: sk_bytes.as_ref(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Usage("could not seal the key slot".into()))?;
        slot.secret_nonce = hex::encode(n);
        slot.wrapped_secret = hex::encode(wrapped);
        slot.reseal(store_id, key)
    }

    /// The same slot holding another data key: a fresh ephemeral key seals `key` to the
    /// slot's public half. Needs no passphrase (this is what `key rotate` does to every slot).
    pub fn reseal(&self, store_id: &str, key: &DataKey) -> Result<Slot, SecretError> {
        let mut s = self.clone();
        let public = PublicKey::from(to32(&unhex(&self.public, &self.id)?, &self.id)?);
        let mut eph_bytes = Zeroizing::new([0u8; 32]);
        fill_random(eph_bytes.as_mut());
        let eph = StaticSecret::from(*eph_bytes);
        let eph_pub = PublicKey::from(&eph);
        let shared = eph.diffie_hellman(&public);
        let k = seal_key(shared.as_bytes(), &eph_pub, &public);
        let n = nonce();
        let aad = s.aad(store_id);
        let sealed = ChaCha20Poly1305::new(Key::from_slice(k.as_ref()))
            .encrypt(
                Nonce::from_slice(&n),
                Payload {
                    msg: key.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Usage("could not seal the key slot".into()))?;
        s.ephemeral = hex::encode(eph_pub.as_bytes());
        s.key_nonce = hex::encode(n);
        s.sealed_key = hex::encode(sealed);
        s.check = s.compute_check(store_id);
        Ok(s)
    }

    /// Whether the slot is intact (its check matches); says nothing about the passphrase.
    pub fn intact(&self, store_id: &str) -> bool {
        self.compute_check(store_id) == self.check
    }

    /// The data key, if `passphrase` opens this slot.
    pub fn open(&self, store_id: &str, passphrase: &[u8]) -> Result<DataKey, SecretError> {
        let damaged = || SecretError::DamagedSlot(self.id.clone());
        if !self.intact(store_id) || self.kdf != "argon2id" {
            return Err(damaged());
        }
        let salt = unhex(&self.salt, &self.id)?;
        let kek = derive_kek(passphrase, &salt, self.params)?;
        let aad = self.aad(store_id);
        let sn = unhex(&self.secret_nonce, &self.id)?;
        if sn.len() != 12 {
            return Err(damaged());
        }
        let sk = ChaCha20Poly1305::new(Key::from_slice(kek.as_ref()))
            .decrypt(
                Nonce::from_slice(&sn),
                Payload {
                    msg: &unhex(&self.wrapped_secret, &self.id)?,
                    aad: aad.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| SecretError::WrongPassphrase)?;
        let secret = StaticSecret::from(to32(&sk, &self.id)?);
        let public = PublicKey::from(&secret);
        if hex::encode(public.as_bytes()) != self.public {
            return Err(damaged());
        }
        let eph = PublicKey::from(to32(&unhex(&self.ephemeral, &self.id)?, &self.id)?);
        let shared = secret.diffie_hellman(&eph);
        let k = seal_key(shared.as_bytes(), &eph, &public);
        let kn = unhex(&self.key_nonce, &self.id)?;
        if kn.len() != 12 {
            return Err(damaged());
        }
        let dk = ChaCha20Poly1305::new(Key::from_slice(k.as_ref()))
            .decrypt(
                Nonce::from_slice(&kn),
                Payload {
                    msg: &unhex(&self.sealed_key, &self.id)?,
                    aad: aad.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| damaged())?;
        if dk.len() != KEY_LEN {
            return Err(damaged());
        }
        DataKey::from_bytes(&dk).ok_or_else(damaged)
    }
}

fn to32(b: &[u8], id: &str) -> Result<[u8; 32], SecretError> {
    b.try_into()
        .map_err(|_| SecretError::DamagedSlot(id.to_string()))
}

impl KeyFile {
    pub fn new() -> KeyFile {
        let mut id = [0u8; 16];
        fill_random(&mut id);
        KeyFile {
            format: FORMAT,
            store_id: hex::encode(id),
            slots: Vec::new(),
            pending: Vec::new(),
            pending_check: None,
        }
    }

    pub fn load(path: &Path) -> Result<KeyFile, SecretError> {
        let text = std::fs::read_to_string(path)
            .map_err(|_| SecretError::NoKeyFile(path.to_path_buf()))?;
        let kf: KeyFile = serde_json::from_str(&text).map_err(|e| {
            SecretError::BadKeyFile(path.to_path_buf(), format!("line {}", e.line()))
        })?;
        if kf.format != FORMAT {
            return Err(SecretError::BadKeyFile(
                path.to_path_buf(),
                format!("format {} is not known to this chartroom", kf.format),
            ));
        }
        Ok(kf)
    }

    /// Writes the file atomically (a private temporary file, fsync, rename), so a crash
    /// leaves either the old file or the new one. A file replaced keeps its mode (on a
    /// shared records server the store's group reads it: 0660); a new one is 0600.
    pub fn save(&self, path: &Path) -> Result<(), SecretError> {
        use std::os::unix::fs::PermissionsExt;
        let io = |e: std::io::Error| SecretError::Io(path.to_path_buf(), e.to_string());
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o660)
            .unwrap_or(0o600)
            | 0o600;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let _ = std::fs::remove_file(&tmp);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io)?;
        let text =
            serde_json::to_string_pretty(self).map_err(|e| SecretError::Usage(e.to_string()))?;
        f.write_all(text.as_bytes()).map_err(io)?;
        f.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io)?;
        f.sync_all().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// The check recorded for a pending key.
    pub fn key_check(&self, key: &DataKey) -> String {
        let mut h = Sha256::new();
        h.update(b"chartroom pending key v1|");
        h.update(self.store_id.as_bytes());
        h.update(key.as_bytes());
        hex::encode(h.finalize())
    }

    /// Finishes or abandons an interrupted rotation once the store has opened under `key`:
    /// the pending slots become the slots if they hold that key, else they are dropped.
    /// Whether the file changed (the caller saves it).
    pub fn settle_pending(&mut self, key: &DataKey) -> bool {
        if self.pending.is_empty() && self.pending_check.is_none() {
            return false;
        }
        if self.pending_check.as_deref() == Some(self.key_check(key).as_str())
            && !self.pending.is_empty()
        {
            self.slots = std::mem::take(&mut self.pending);
        }
        self.pending.clear();
        self.pending_check = None;
        true
    }

    /// Slots to try for `os_login`: that login's own slots first, then the others (the
    /// recovery slot last).
    pub fn candidates(&self, os_login: Option<&str>) -> Vec<&Slot> {
        let mut all: Vec<&Slot> = self.pending.iter().chain(self.slots.iter()).collect();
        all.sort_by_key(|s| {
            let mine = os_login.is_some() && s.os_login.as_deref() == os_login;
            (!mine, s.kind == SlotKind::Recovery)
        });
        all
    }

    /// Tries `passphrase` against the candidate slots; every distinct key it opens, in order.
    /// Several keys only during an interrupted rotation; the caller tries each on the store.
    pub fn open_all(
        &self,
        os_login: Option<&str>,
        passphrase: &[u8],
    ) -> Result<Vec<DataKey>, SecretError> {
        let mut keys: Vec<DataKey> = Vec::new();
        let mut damaged = None;
        for s in self.candidates(os_login) {
            match s.open(&self.store_id, passphrase) {
                Ok(k) => {
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
                Err(e @ SecretError::DamagedSlot(_)) => {
                    damaged.get_or_insert(e);
                }
                Err(_) => {}
            }
        }
        match (keys.is_empty(), damaged) {
            (false, _) => Ok(keys),
            (true, Some(d)) => Err(d),
            (true, None) => Err(SecretError::WrongPassphrase),
        }
    }
}

impl Default for KeyFile {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(key: &DataKey) -> KeyFile {
        let mut kf = KeyFile::new();
        let id = kf.store_id.clone();
        kf.slots.push(
            Slot::create(
                &id,
                SlotKind::User,
                Some("ann"),
                Some("ann"),
                b"ann pass",
                KdfParams::TEST,
                key,
            )
            .unwrap(),
        );
        kf.slots.push(
            Slot::create(
                &id,
                SlotKind::Recovery,
                None,
                None,
                b"REC-OVERY",
                KdfParams::TEST,
                key,
            )
            .unwrap(),
        );
        kf
    }

    #[test]
    fn each_slot_opens_with_its_passphrase_only() {
        let key = DataKey::random();
        let kf = file_with(&key);
        assert_eq!(
            kf.open_all(Some("ann"), b"ann pass").unwrap(),
            vec![key.clone()]
        );
        assert_eq!(kf.open_all(None, b"REC-OVERY").unwrap(), vec![key.clone()]);
        assert!(matches!(
            kf.open_all(Some("ann"), b"nope"),
            Err(SecretError::WrongPassphrase)
        ));
    }

    #[test]
    fn reseal_changes_the_key_without_a_passphrase() {
        let key = DataKey::random();
        let kf = file_with(&key);
        let next = DataKey::random();
        let s = kf.slots[0].reseal(&kf.store_id, &next).unwrap();
        assert_eq!(s.open(&kf.store_id, b"ann pass").unwrap(), next);
    }

    #[test]
    fn a_damaged_slot_is_named_not_taken_for_a_wrong_passphrase() {
        let key = DataKey::random();
        let mut kf = file_with(&key);
        let mut c = kf.slots[0].sealed_key.clone().into_bytes();
        c[3] = if c[3] == b'0' { b'1' } else { b'0' };
        kf.slots[0].sealed_key = String::from_utf8(c).unwrap();
        match kf.open_all(Some("ann"), b"ann pass") {
            Err(SecretError::DamagedSlot(id)) => assert_eq!(id, "user:ann"),
            other => panic!("{other:?}"),
        }
        // A slot moved to another store (or renamed) does not open either.
        let kf2 = file_with(&key);
        let mut other = kf2.slots[0].clone();
        other.user = Some("bob".into());
        assert!(matches!(
            other.open(&kf2.store_id, b"ann pass"),
            Err(SecretError::DamagedSlot(_))
        ));
    }

    #[test]
    fn key_file_round_trips_and_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.db.keys");
        let kf = file_with(&DataKey::random());
        kf.save(&p).unwrap();
        kf.save(&p).unwrap();
        assert_eq!(KeyFile::load(&p).unwrap(), kf);
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::write(&p, "{not json").unwrap();
        assert!(matches!(
            KeyFile::load(&p),
            Err(SecretError::BadKeyFile(..))
        ));
    }
}
