//! Where things live: the store path (flag, then `CHARTROOM_DB`, then the data directory) and
//! the per-user config directory (`CHARTROOM_CONFIG` overrides). Personal preferences only:
//! site policy lives in the store, secrets in the OS keyring.

use std::path::PathBuf;

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
