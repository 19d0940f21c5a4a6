//! What a terminal keeps of a records server: the session token, in the OS keyring only
//! (keyring-core: the kernel keyring or the Secret Service), never in a file, the
//! environment or a command line; and how it trusts the server (`known_servers` in the
//! config folder: a pinned fingerprint or the site CA's file, nothing secret).

use std::path::PathBuf;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::secrets::keyring::{Cache, Pin};
use crate::service::{RemoteError, ServiceAddr, ServiceError};

use super::client::OnToken;
use super::tls::{self, Trust};

/// The keyring account of a server's session token.
fn account(addr: &ServiceAddr) -> String {
    format!("session:{addr}")
}

fn cache() -> Cache {
    Cache::open(Pin::from_env())
}

/// The token kept for `addr`, if any.
pub fn token(addr: &ServiceAddr) -> Option<Zeroizing<String>> {
    let b = cache().get_bytes(&account(addr))?;
    std::str::from_utf8(&b)
        .ok()
        .map(|s| Zeroizing::new(s.to_string()))
}

/// Keeps `token` for `addr` in the OS keyring (there is nowhere else it may go).
pub fn keep(addr: &ServiceAddr, token: &str) -> Result<(), ServiceError> {
    let c = cache();
    if c.is_empty() {
        return Err(ServiceError::Key(crate::secrets::SecretError::NoKeyring(
            format!(
                "{}; a session token is kept nowhere else, so log in where an OS keyring works (the kernel keyring over SSH, or the desktop's Secret Service)",
                c.why_none()
            ),
        )));
    }
    c.put_bytes(&account(addr), token.as_bytes())
        .map(|_| ())
        .map_err(ServiceError::Key)
}

/// Forgets the token for `addr`; whether one was kept.
pub fn forget(addr: &ServiceAddr) -> bool {
    cache().forget(&account(addr)) > 0
}

/// Keeps a token the client got by signing in again (the lock screen after an expiry).
pub fn keeper(addr: &ServiceAddr) -> OnToken {
    let addr = addr.clone();
    Arc::new(move |t: &str| {
        if let Err(e) = keep(&addr, t) {
            tracing::warn!(error = %e, "a new session token could not be kept");
        }
    })
}

/// How this terminal trusts `addr`: its line in `known_servers`.
pub fn trust(addr: &ServiceAddr) -> Option<Trust> {
    let key = addr.to_string();
    let text = std::fs::read_to_string(tls::known_servers_file()).ok()?;
    text.lines().find_map(|l| {
        let (a, how) = l.trim().split_once(char::is_whitespace)?;
        if a != key {
            return None;
        }
        let how = how.trim();
        match how.strip_prefix("ca=") {
            Some(p) => Some(Trust::Ca(PathBuf::from(p))),
            None => tls::parse_fingerprint(how).map(Trust::Pinned),
        }
    })
}

/// Remembers how to trust `addr`.
pub fn remember(addr: &ServiceAddr, t: &Trust) -> Result<(), ServiceError> {
    let line = match t {
        Trust::Pinned(fp) => {
            return tls::pin(&addr.to_string(), fp);
        }
        Trust::Ca(p) => format!("ca={}", p.display()),
        Trust::FirstUse => return Ok(()),
    };
    let path = tls::known_servers_file();
    let key = addr.to_string();
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let mut out: Vec<String> = old
        .lines()
        .filter(|l| l.split_whitespace().next() != Some(key.as_str()))
        .map(str::to_string)
        .collect();
    out.push(format!("{key} {line}"));
    if let Some(d) = path.parent() {
        let _ = std::fs::create_dir_all(d);
    }
    std::fs::write(&path, out.join("\n") + "\n")
        .map_err(|e| ServiceError::Setup(format!("cannot write {}: {e}", path.display())))
}

/// The trust for a connection from the shell or the screens (a server never logged in to
/// from here is refused: `chartroom login` first).
pub fn trust_or_login(addr: &ServiceAddr) -> Result<Trust, ServiceError> {
    match addr {
        ServiceAddr::Unix(_) => Ok(Trust::FirstUse),
        ServiceAddr::Tcp { .. } => trust(addr).ok_or_else(|| {
            ServiceError::Remote(RemoteError::NotLoggedIn {
                addr: addr.to_string(),
            })
        }),
    }
}
