//! The credential of a store server (a libSQL server's bearer token, an EdDSA JWT). It is a
//! service credential: whoever holds it can run any SQL on the server, so it belongs to the
//! account of the records server or an administrator, never to a technician's terminal. It is
//! kept in the OS keyring of the account that uses it (never a file, the environment or the
//! command line), read from the terminal or `--passphrase-fd` when it is stored.

use zeroize::Zeroizing;

use super::SecretError;
use super::keyring::{Cache, Kind};

/// A server's bearer token, zeroed when dropped, never printed.
pub struct ServerToken(Zeroizing<String>);

impl std::fmt::Debug for ServerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerToken(<redacted>)")
    }
}

/// What a token's claims say about it (read without checking its signature: the server
/// checks that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// When it stops working (seconds since 1970), if it says.
    pub exp: Option<i64>,
    /// `rw` (read and write) or `ro` (read only), if it says.
    pub access: Option<String>,
}

impl ServerToken {
    /// Takes a token as typed (surrounding blanks and a `Bearer ` prefix dropped); refuses what
    /// is not a JWT (three base64url parts), so a pasted wrong thing is caught before it is
    /// stored.
    pub fn parse(s: &str) -> Result<ServerToken, SecretError> {
        let t = s.trim();
        let t = t.strip_prefix("Bearer ").unwrap_or(t).trim();
        let parts: Vec<&str> = t.split('.').collect();
        let b64url = |p: &str| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if parts.len() != 3 || !parts.iter().all(|p| b64url(p)) {
            return Err(SecretError::Usage(
                "that is not a server token (a JWT: three parts separated by dots); nothing was stored".into(),
            ));
        }
        Ok(ServerToken(Zeroizing::new(t.to_string())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The claims in the token's middle part.
    pub fn claims(&self) -> Claims {
        use base64::Engine;
        let mid = self.0.split('.').nth(1).unwrap_or("");
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(mid.trim_end_matches('='))
            .ok()
            .map(Zeroizing::new)
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
        Claims {
            exp: json.as_ref().and_then(|j| j.get("exp")?.as_i64()),
            access: json
                .as_ref()
                .and_then(|j| Some(j.get("a")?.as_str()?.to_string())),
        }
    }
}

/// The keyring account of a server's credential, from its address as the keyring knows it
/// (see `store::account_url`).
pub fn account_for(url: &str) -> String {
    format!("server-token:{url}")
}

/// The credential kept for the server at `url`.
pub fn load(cache: &Cache, url: &str) -> Option<ServerToken> {
    let (_, b) = cache.get_secret(&account_for(url))?;
    let s = std::str::from_utf8(&b).ok()?;
    ServerToken::parse(s).ok()
}

/// Keeps the credential for `url`; which store took it.
pub fn save(cache: &Cache, url: &str, token: &ServerToken) -> Result<Kind, SecretError> {
    cache.put_secret(&account_for(url), token.as_str().as_bytes())
}

/// Removes the credential for `url` from every store; how many held it.
pub fn forget(cache: &Cache, url: &str) -> usize {
    cache.forget(&account_for(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_for_shape_and_their_claims_read() {
        assert!(ServerToken::parse("not a token").is_err());
        assert!(ServerToken::parse("a.b").is_err());
        assert!(ServerToken::parse("a.b.c d").is_err());
        // {"exp":2000000000,"a":"ro"}
        let t = ServerToken::parse(
            " Bearer eyJhbGciOiJFZERTQSJ9.eyJleHAiOjIwMDAwMDAwMDAsImEiOiJybyJ9.c2ln \n",
        )
        .unwrap();
        assert_eq!(
            t.claims(),
            Claims {
                exp: Some(2_000_000_000),
                access: Some("ro".into())
            }
        );
        assert_eq!(format!("{t:?}"), "ServerToken(<redacted>)");
    }

    #[test]
    fn the_mock_keyring_keeps_and_forgets_a_server_token() {
        let store: std::sync::Arc<keyring_core::CredentialStore> =
            keyring_core::mock::Store::new().unwrap();
        let c = Cache::with_stores(vec![(Kind::Keyutils, store)]);
        let t = ServerToken::parse("aaa.bbb.ccc").unwrap();
        assert!(load(&c, "https://x").is_none());
        save(&c, "https://x", &t).unwrap();
        assert_eq!(load(&c, "https://x").unwrap().as_str(), "aaa.bbb.ccc");
        assert!(load(&c, "https://y").is_none());
        assert_eq!(forget(&c, "https://x"), 1);
        assert!(load(&c, "https://x").is_none());
    }
}
