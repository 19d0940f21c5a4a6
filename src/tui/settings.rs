//! Preferences the screens write back: the theme chosen with `:theme`, saved to
//! `config.toml` in the config folder when the user says so (other settings there are kept).

use std::path::Path;

use super::state::{Level, State};

/// Writes `theme = NAME` into `<dir>/config.toml`, keeping what else is there.
pub fn write_theme(dir: &Path, name: &str) -> Result<(), String> {
    let path = dir.join("config.toml");
    let mut table = match std::fs::read_to_string(&path) {
        Ok(text) => text
            .parse::<toml::Table>()
            .map_err(|_| "config.toml could not be read, so it was left as it is".to_string())?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => toml::Table::new(),
        Err(e) => return Err(format!("config.toml could not be read ({e})")),
    };
    table.insert("theme".into(), toml::Value::String(name.to_string()));
    let text = toml::to_string(&table).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(&path, text))
        .map_err(|e| format!("config.toml could not be written ({e})"))
}

/// Saves the theme and says how it went.
pub fn save_theme(state: &mut State, name: &str) {
    let dir = state.app.config_dir.clone();
    match write_theme(&dir, name) {
        Ok(()) => state.say(
            Level::Info,
            format!(
                "theme {} saved in {}",
                crate::domain::Text::from(name),
                dir.join("config.toml").display()
            ),
        ),
        Err(e) => state.say(Level::Error, e),
    }
}
