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
    /// A libSQL server (`https://host[:port]`, or `http://` on a loopback address).
    Server(String),
}

impl Location {
    /// Reads what was typed after `--db`: a URL with a scheme chartroom knows, else a path.
    pub fn parse(s: &str) -> Result<Location, StoreError> {
        let t = s.trim();
        if let Some((scheme, rest)) = t.split_once("://") {
            let scheme = scheme.to_ascii_lowercase();
            return match scheme.as_str() {
                "https" | "http" if !rest.is_empty() => Ok(Location::Server(t.to_string())),
                "file" => Ok(Location::File(PathBuf::from(rest))),
                _ => Err(StoreError::BadLocation(format!(
                    "\"{scheme}://\" is not a kind of store chartroom knows; give a file path or an https:// server address"
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
            Location::Server(_) => None,
        }
    }

    /// Whether the store is there (a server is assumed to be; opening it tells).
    pub fn exists(&self) -> bool {
        match self {
            Location::File(p) => p.exists(),
            Location::Server(_) => true,
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
        assert!(Location::parse("  ").is_err());
    }
}
