//! Site policy: the keys an administrator may set with `chartroom site set`, their defaults
//! and what values each accepts. Kept in the store, never in a file a clerk can edit.

use serde::Serialize;

/// Automatic logoff, 45 CFR 164.312(a)(2)(iii): VistA's default of 300 s.
pub const DEFAULT_IDLE_TIMEOUT_S: i64 = 300;
pub const IDLE_TIMEOUT_RANGE: std::ops::RangeInclusive<i64> = 30..=3600;
/// Wrong passwords before an account locks until a supervisor unlocks it.
pub const MAX_FAILED_UNLOCKS: i64 = 5;
pub const MIN_PASSWORD_CHARS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKey {
    IdleTimeoutS,
    RequirePasswordAtStart,
    CredentialStore,
}

/// A key that used to be a site setting and is no longer one, with where it went.
pub fn retired_key(key: &str) -> Option<&'static str> {
    match key.trim() {
        "audit_anchor_path" => Some(
            "where the audit anchors are kept is no longer a site setting (whoever can write the store could change it): set audit_anchors in the system config (/etc/chartroom/config.toml), or give --anchors FILE",
        ),
        _ => None,
    }
}

impl SiteKey {
    pub const ALL: [SiteKey; 3] = [
        SiteKey::IdleTimeoutS,
        SiteKey::RequirePasswordAtStart,
        SiteKey::CredentialStore,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SiteKey::IdleTimeoutS => "idle_timeout_s",
            SiteKey::RequirePasswordAtStart => "require_password_at_start",
            SiteKey::CredentialStore => "credential_store",
        }
    }

    pub fn parse(s: &str) -> Option<SiteKey> {
        SiteKey::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// The value in force when the key was never set (`None`: no value).
    pub fn default_value(self) -> Option<&'static str> {
        match self {
            SiteKey::IdleTimeoutS => Some("300"),
            SiteKey::RequirePasswordAtStart => Some("false"),
            SiteKey::CredentialStore => Some("auto"),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            SiteKey::IdleTimeoutS => "seconds of inactivity before the screens lock (30 to 3600)",
            SiteKey::RequirePasswordAtStart => {
                "ask for the password when the screens start (true or false)"
            }
            SiteKey::CredentialStore => {
                "where keys are cached: auto, secret-service, keyutils or prompt"
            }
        }
    }

    /// Checks and normalises a value typed by an administrator.
    pub fn validate(self, value: &str) -> Result<String, String> {
        let v = value.trim();
        match self {
            SiteKey::IdleTimeoutS => match v.parse::<i64>() {
                Ok(n) if IDLE_TIMEOUT_RANGE.contains(&n) => Ok(n.to_string()),
                _ => Err("idle_timeout_s must be a whole number of seconds from 30 to 3600".into()),
            },
            SiteKey::RequirePasswordAtStart => parse_bool(v)
                .map(|b| b.to_string())
                .ok_or_else(|| "require_password_at_start must be true or false".into()),
            SiteKey::CredentialStore => match v {
                "auto" | "secret-service" | "keyutils" | "prompt" => Ok(v.to_string()),
                _ => {
                    Err("credential_store must be auto, secret-service, keyutils or prompt".into())
                }
            },
        }
    }
}

pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// Checks a per-user idle timeout.
pub fn validate_idle_timeout(secs: i64) -> Result<i64, String> {
    if IDLE_TIMEOUT_RANGE.contains(&secs) {
        Ok(secs)
    } else {
        Err("the idle timeout must be from 30 to 3600 seconds".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked() {
        assert_eq!(SiteKey::IdleTimeoutS.validate(" 600 "), Ok("600".into()));
        assert!(SiteKey::IdleTimeoutS.validate("29").is_err());
        assert!(SiteKey::IdleTimeoutS.validate("3601").is_err());
        assert_eq!(
            SiteKey::RequirePasswordAtStart.validate("Yes"),
            Ok("true".into())
        );
        assert!(SiteKey::RequirePasswordAtStart.validate("maybe").is_err());
        assert!(SiteKey::CredentialStore.validate("keyutils").is_ok());
        assert!(SiteKey::CredentialStore.validate("plaintext").is_err());
        assert_eq!(SiteKey::parse("audit_anchor_path"), None);
        assert!(retired_key("audit_anchor_path").is_some());
        assert_eq!(
            SiteKey::parse("idle_timeout_s"),
            Some(SiteKey::IdleTimeoutS)
        );
        assert_eq!(SiteKey::parse("nope"), None);
    }
}
