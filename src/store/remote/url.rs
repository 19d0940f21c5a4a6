//! Which server addresses chartroom talks to: `https://` anywhere, `http://` only on this
//! machine (sqld's HTTP port has no TLS of its own, so plain HTTP across a network would carry
//! the token and the records in the clear).

use super::super::StoreError;

/// The host of `url` (without port or brackets) and its scheme, lower-cased.
fn parts(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?.to_string()
    } else {
        authority.split(':').next()?.to_string()
    };
    if host.is_empty() {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

fn loopback(host: &str) -> bool {
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback())
}

/// Refuses an address chartroom will not send a credential to.
pub fn check_url(url: &str) -> Result<(), StoreError> {
    let Some((scheme, host)) = parts(url) else {
        return Err(StoreError::BadLocation(format!(
            "\"{url}\" is not a server address; give one like https://records.example.org"
        )));
    };
    if url.contains('@') {
        return Err(StoreError::BadLocation(
            "a server address carries no name or password (the credential is kept in the keyring: `chartroom server token set URL`)".into(),
        ));
    }
    match scheme.as_str() {
        "https" => Ok(()),
        "http" if loopback(&host) => Ok(()),
        "http" => Err(StoreError::BadLocation(format!(
            "http:// is only for a server on this machine (127.0.0.1, localhost); {host} needs https:// so the credential and the records are not sent in the clear"
        ))),
        _ => Err(StoreError::BadLocation(format!(
            "\"{scheme}://\" is not a kind of server chartroom knows; give an https:// address"
        ))),
    }
}

/// The address as the keyring knows it: scheme and host lower-cased, no trailing slash, so
/// `HTTPS://Records.example/` and `https://records.example` share one credential.
pub fn account_url(url: &str) -> String {
    let t = url.trim().trim_end_matches('/');
    match t.split_once("://") {
        Some((scheme, rest)) => {
            let (auth, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            format!(
                "{}://{}{}",
                scheme.to_ascii_lowercase(),
                auth.to_ascii_lowercase(),
                path
            )
        }
        None => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_this_machine() {
        assert!(check_url("https://records.example.org").is_ok());
        assert!(check_url("https://records.example.org:8443/").is_ok());
        assert!(check_url("http://127.0.0.1:8080").is_ok());
        assert!(check_url("http://127.3.2.1:8080").is_ok());
        assert!(check_url("http://localhost:8080").is_ok());
        assert!(check_url("http://[::1]:8080").is_ok());
        assert!(check_url("http://10.0.0.5:8080").is_err());
        assert!(check_url("http://records.example.org").is_err());
        assert!(check_url("http://127.0.0.1.evil.example").is_err());
        assert!(check_url("https://user:pw@records.example.org").is_err());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://").is_err());
    }

    #[test]
    fn one_credential_per_server_however_it_is_written() {
        assert_eq!(
            account_url("HTTPS://Records.Example.org/"),
            "https://records.example.org"
        );
        assert_eq!(
            account_url("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
    }
}
