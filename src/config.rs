//! Where things live.
//!
//! - The **system config** (`/etc/chartroom/config.toml`, root's): what the people the audit
//!   trail watches must not be able to change — where the audit anchors are kept, where
//!   backups go, and on a shared records server the one store it serves. Never read from the
//!   store. `CHARTROOM_SYSTEM_CONFIG` may name another file for tests and single-user set-ups,
//!   but never in the shared-server (setgid) mode, where only the file above is read.
//! - The store path (flag, then `CHARTROOM_DB`, then the data directory) and the per-user
//!   config directory (`CHARTROOM_CONFIG` overrides): personal preferences only. Site policy
//!   lives in the store, secrets in the OS keyring.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The system config's one place.
pub const SYSTEM_CONFIG: &str = "/etc/chartroom/config.toml";
/// Names another system config (ignored on a shared server).
pub const SYSTEM_CONFIG_ENV: &str = "CHARTROOM_SYSTEM_CONFIG";

/// What the system config says.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemConfig {
    /// The store this machine serves (on a shared server, the only one it opens).
    pub store: Option<PathBuf>,
    /// The append-only file `audit anchor` writes to and `audit verify` checks.
    pub audit_anchors: Option<PathBuf>,
    /// Where `chartroom backup` writes (on a shared server, the only place it writes).
    pub backups: Option<PathBuf>,
    /// The group that owns a shared server's store folder (default `chartroom`).
    pub group: Option<String>,
    /// The file this was read from (none when there was none).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

impl SystemConfig {
    /// Reads the system config: on a shared server (`shared`) only [`SYSTEM_CONFIG`];
    /// otherwise `CHARTROOM_SYSTEM_CONFIG` when set, else [`SYSTEM_CONFIG`]. A missing file is
    /// an empty config; a damaged one is an error saying what to fix.
    pub fn load(shared: bool) -> Result<SystemConfig, String> {
        let path = match std::env::var_os(SYSTEM_CONFIG_ENV) {
            Some(p) if !shared && !p.is_empty() => PathBuf::from(p),
            _ => PathBuf::from(SYSTEM_CONFIG),
        };
        Self::read(&path)
    }

    pub fn read(path: &Path) -> Result<SystemConfig, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(SystemConfig::default());
            }
            Err(e) => {
                return Err(format!(
                    "the system config {} cannot be read ({e}); ask your administrator",
                    path.display()
                ));
            }
        };
        let mut c: SystemConfig = toml::from_str(&text).map_err(|e| {
            format!(
                "the system config {} is damaged ({}); ask your administrator to fix it",
                path.display(),
                e.message()
            )
        })?;
        for (what, p) in [
            ("store", &c.store),
            ("audit_anchors", &c.audit_anchors),
            ("backups", &c.backups),
        ] {
            if let Some(p) = p
                && !p.is_absolute()
            {
                return Err(format!(
                    "the system config {} gives {what} as {}: it must be an absolute path",
                    path.display(),
                    p.display()
                ));
            }
        }
        c.source = Some(path.to_path_buf());
        Ok(c)
    }

    /// The group of a shared server's store folder.
    pub fn group(&self) -> &str {
        self.group.as_deref().unwrap_or("chartroom")
    }
}

fn dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("org", "chartroom", "chartroom")
}

/// The store to use when no `--db` is given and `CHARTROOM_DB` is unset.
pub fn default_store() -> PathBuf {
    dirs()
        .map(|d| d.data_dir().join("chartroom.db"))
        .unwrap_or_else(|| PathBuf::from("chartroom.db"))
}

/// The per-user configuration directory (theme, keymap, default store path).
pub fn config_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("CHARTROOM_CONFIG") {
        return PathBuf::from(p);
    }
    dirs()
        .map(|d| d.config_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".chartroom"))
}

/// Where logs go (only when `CHARTROOM_LOG` is set): the state directory.
pub fn log_dir() -> PathBuf {
    dirs()
        .and_then(|d| d.state_dir().map(|p| p.to_path_buf()))
        .unwrap_or_else(std::env::temp_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_system_config_is_read_checked_and_may_be_missing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        assert!(SystemConfig::read(&p).unwrap().audit_anchors.is_none());
        std::fs::write(&p, "audit_anchors = \"/var/log/chartroom/anchors\"\n").unwrap();
        let c = SystemConfig::read(&p).unwrap();
        assert_eq!(
            c.audit_anchors.as_deref(),
            Some(Path::new("/var/log/chartroom/anchors"))
        );
        assert_eq!(c.group(), "chartroom");
        std::fs::write(&p, "audit_anchors = \"relative\"\n").unwrap();
        assert!(SystemConfig::read(&p).is_err());
        std::fs::write(&p, "anchors = \"/x\"\n").unwrap();
        assert!(SystemConfig::read(&p).is_err(), "unknown keys are refused");
    }
}
