//! The server's sessions: a token stands for a user until it expires, is revoked
//! (`chartroom logout`) or the user is disabled or locked. The server keeps only each
//! token's SHA-256, in memory and in a file only its account can read (so a restart keeps
//! sessions going, and the file opens nothing by itself).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// One session as the server keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub user_id: i64,
    pub os_login: String,
    pub expires: DateTime<Utc>,
    /// The screens' lock: a session locked stays locked on a new connection.
    pub locked: bool,
}

/// Why a token does not open a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    Expired,
    Unknown,
}

type Key = [u8; 32];

pub struct Sessions {
    file: Option<PathBuf>,
    map: Mutex<HashMap<String, Session>>,
    lifetime: chrono::Duration,
}

fn key(token: &str) -> String {
    let k: Key = Sha256::digest(token.as_bytes()).into();
    hex::encode(k)
}

impl Sessions {
    /// Sessions that last `hours`, kept in `file` (read now when it exists).
    pub fn new(file: Option<PathBuf>, hours: u32) -> Sessions {
        let map = file
            .as_ref()
            .and_then(|f| std::fs::read(f).ok())
            .and_then(|b| serde_json::from_slice::<HashMap<String, Session>>(&b).ok())
            .unwrap_or_default();
        Sessions {
            file,
            map: Mutex::new(map),
            lifetime: chrono::Duration::hours(i64::from(hours.max(1))),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn save(&self, map: &HashMap<String, Session>) {
        let Some(f) = &self.file else { return };
        match serde_json::to_vec(map) {
            Ok(b) => {
                if let Err(e) = super::tls::write_private(f, &b) {
                    tracing::warn!(error = %e, "the sessions file could not be written");
                }
            }
            Err(e) => tracing::warn!(error = %e, "the sessions could not be written out"),
        }
    }

    /// A new session for `user_id`: its token (given to the client once, never kept here)
    /// and when it ends.
    pub fn issue(&self, user_id: i64, os_login: &str) -> (Zeroizing<String>, DateTime<Utc>) {
        let mut raw = Zeroizing::new([0u8; 32]);
        crate::secrets::fill_random(raw.as_mut());
        let token = Zeroizing::new(format!("crs1_{}", hex::encode(raw.as_ref())));
        let expires = Utc::now() + self.lifetime;
        let mut map = self.lock();
        let now = Utc::now();
        map.retain(|_, s| s.expires > now);
        map.insert(
            key(&token),
            Session {
                user_id,
                os_login: os_login.to_string(),
                expires,
                locked: false,
            },
        );
        self.save(&map);
        (token, expires)
    }

    /// The session `token` stands for, if it still does.
    pub fn find(&self, token: &str) -> Result<Session, Gone> {
        let k = key(token);
        let mut map = self.lock();
        match map.get(&k) {
            None => Err(Gone::Unknown),
            Some(s) if s.expires <= Utc::now() => {
                map.remove(&k);
                self.save(&map);
                Err(Gone::Expired)
            }
            Some(s) => Ok(s.clone()),
        }
    }

    /// Whether the session is still valid (checked before every request).
    pub fn check(&self, token: &str) -> Result<(), Gone> {
        self.find(token).map(|_| ())
    }

    pub fn set_locked(&self, token: &str, locked: bool) {
        let mut map = self.lock();
        if let Some(s) = map.get_mut(&key(token))
            && s.locked != locked
        {
            s.locked = locked;
            self.save(&map);
        }
    }

    /// Ends one session; whether it was there.
    pub fn revoke(&self, token: &str) -> bool {
        let mut map = self.lock();
        let was = map.remove(&key(token)).is_some();
        if was {
            self.save(&map);
        }
        was
    }

    /// Ends every session of a user (disabled, locked or gone); how many.
    pub fn revoke_user(&self, user_id: i64) -> usize {
        let mut map = self.lock();
        let before = map.len();
        map.retain(|_, s| s.user_id != user_id);
        let n = before - map.len();
        if n > 0 {
            self.save(&map);
        }
        n
    }

    /// Sessions not yet expired.
    pub fn live(&self) -> usize {
        let now = Utc::now();
        self.lock().values().filter(|s| s.expires > now).count()
    }

    /// Shortens a session's life (tests of expiry).
    #[doc(hidden)]
    pub fn expire_now(&self, token: &str) {
        if let Some(s) = self.lock().get_mut(&key(token)) {
            s.expires = Utc::now() - chrono::Duration::seconds(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_open_sessions_until_they_expire_or_are_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sessions.json");
        let s = Sessions::new(Some(file.clone()), 12);
        let (t, _) = s.issue(7, "jdoe");
        assert_eq!(s.find(&t).unwrap().user_id, 7);
        assert!(!std::fs::read_to_string(&file).unwrap().contains(t.as_str()));
        // A restart keeps it.
        let again = Sessions::new(Some(file.clone()), 12);
        assert_eq!(again.find(&t).unwrap().os_login, "jdoe");
        again.expire_now(&t);
        assert_eq!(again.find(&t).unwrap_err(), Gone::Expired);
        let (t2, _) = again.issue(7, "jdoe");
        let (t3, _) = again.issue(8, "other");
        assert_eq!(again.revoke_user(7), 1);
        assert_eq!(again.find(&t2).unwrap_err(), Gone::Unknown);
        assert!(again.revoke(&t3));
        assert_eq!(again.live(), 0);
    }
}
