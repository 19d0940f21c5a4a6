//! Where a store lives: a local file, or a server named by its URL. One type for `--db`,
//! `CHARTROOM_DB`, `Service::open` and the screens, so nothing below the shell guesses.

use std::fmt;
use std::path::{Path, PathBuf};

use super::StoreError;

/// A store's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite (SQLCipher) file on this machine.
    File(PathBuf),
    /// A libSQL server (`https://host[:port]`, or `http://` on a loopback address): a store
    /// backend, reached with a database credential (what a records server holds).
    Server(String),
    /// A `chartroom serve` (`chartroom://host[:port]`, or `chartroom+unix:///path/to.sock`):
    /// not a store but the service in front of one. Its clients hold a session token only.
    Service(ServiceAddr),
}

/// Where a `chartroom serve` listens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ServiceAddr {
    /// TLS over TCP: `chartroom://host[:port]` (port 4717 when none is given).
    Tcp { host: String, port: u16 },
    /// A Unix socket on this machine (peer authentication, no password).
    Unix(PathBuf),
}

/// The port `chartroom serve` listens on when none is given.
pub const DEFAULT_PORT: u16 = 4717;

impl ServiceAddr {
    /// Reads `host[:port]` (an IPv6 address in brackets: `[::1]:4717`).
    fn parse_tcp(rest: &str) -> Result<ServiceAddr, StoreError> {
        let bad = |why: &str| {
            StoreError::BadLocation(format!(
                "\"chartroom://{rest}\" is not a records server address: {why} (write chartroom://host or chartroom://host:port)"
            ))
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| bad("a [ without its ]"))?;
            match after.strip_prefix(':') {
                Some(p) => (h.to_string(), Some(p)),
                None if after.is_empty() => (h.to_string(), None),
                None => return Err(bad("something after the ]")),
            }
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (rest.to_string(), None),
            }
        };
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-_:".contains(c))
        {
            return Err(bad(
                "the host name is empty or has characters a host name cannot have",
            ));
        }
        let port = match port {
            None => DEFAULT_PORT,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
        };
        Ok(ServiceAddr::Tcp { host, port })
    }
}

impl fmt::Display for ServiceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceAddr::Tcp { host, port } if host.contains(':') => {
                write!(f, "chartroom://[{host}]:{port}")
            }
            ServiceAddr::Tcp { host, port } => write!(f, "chartroom://{host}:{port}"),
            ServiceAddr::Unix(p) => write!(f, "chartroom+unix://{}", p.display()),
        }
    }
}

impl Location {
    /// Reads what was typed after `--db`: a URL with a scheme chartroom knows, else a path.
    pub fn parse(s: &str) -> Result<Location, StoreError> {
        let t = s.trim();
        if let Some((scheme, rest)) = t.split_once("://") {
            let scheme = scheme.to_ascii_lowercase();
            return match scheme.as_str() {
                "https" | "http" if !rest.is_empty() => Ok(Location::Server(t.to_string())),
                "chartroom" => Ok(Location::Service(ServiceAddr::parse_tcp(rest)?)),
                "chartroom+unix" if rest.starts_with('/') => {
                    Ok(Location::Service(ServiceAddr::Unix(PathBuf::from(rest))))
                }
                "chartroom+unix" => Err(StoreError::BadLocation(
                    "a records server's socket is named by its full path: chartroom+unix:///run/chartroom/serve.sock".into(),
                )),
                "file" => Ok(Location::File(PathBuf::from(rest))),
                _ => Err(StoreError::BadLocation(format!(
                    "\"{scheme}://\" is not a kind of store chartroom knows; give a file path, a chartroom:// records server or an https:// store server address"
                ))),
            };
        }
        if t.is_empty() {
            return Err(StoreError::BadLocation(
                "the store path is empty; give a file path with --db".into(),
            ));
        }
        Ok(Location::File(PathBuf::from(s)))
    }

    /// The file path, for a local store.
    pub fn as_file(&self) -> Option<&Path> {
        match self {
            Location::File(p) => Some(p),
            Location::Server(_) | Location::Service(_) => None,
        }
    }

    /// Whether the store is there (a server is assumed to be; opening it tells).
    pub fn exists(&self) -> bool {
        match self {
            Location::File(p) => p.exists(),
            Location::Server(_) | Location::Service(_) => true,
        }
    }
}

impl From<PathBuf> for Location {
    fn from(p: PathBuf) -> Self {
        Location::File(p)
    }
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Self {
        Location::File(p.to_path_buf())
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(p) => write!(f, "{}", p.display()),
            Location::Server(u) => f.write_str(u),
            Location::Service(a) => a.to_string().fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_urls() {
        assert_eq!(
            Location::parse("demo.db").unwrap(),
            Location::File("demo.db".into())
        );
        assert_eq!(
            Location::parse("/srv/records/site.db").unwrap().as_file(),
            Some(Path::new("/srv/records/site.db"))
        );
        assert!(matches!(
            Location::parse("https://records.example:8080").unwrap(),
            Location::Server(_)
        ));
        assert_eq!(
            Location::parse("file:///tmp/x.db").unwrap(),
            Location::File("/tmp/x.db".into())
        );
        assert!(Location::parse("gopher://x").is_err());
        assert_eq!(
            Location::parse("chartroom://records.example").unwrap(),
            Location::Service(ServiceAddr::Tcp {
                host: "records.example".into(),
                port: DEFAULT_PORT
            })
        );
        assert_eq!(
            Location::parse("chartroom://[::1]:9000")
                .unwrap()
                .to_string(),
            "chartroom://[::1]:9000"
        );
        assert_eq!(
            Location::parse("chartroom+unix:///run/chartroom/serve.sock").unwrap(),
            Location::Service(ServiceAddr::Unix("/run/chartroom/serve.sock".into()))
        );
        assert!(Location::parse("chartroom://host:0").is_err());
        assert!(Location::parse("chartroom://").is_err());
        assert!(Location::parse("chartroom+unix://relative.sock").is_err());
        assert!(Location::parse("  ").is_err());
    }
}
