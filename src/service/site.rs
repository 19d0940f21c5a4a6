//! Site policy: `chartroom site show` and `chartroom site set`, administrators only, audited
//! with the value before and after.

use serde::Serialize;

use crate::domain::Permission;
use crate::domain::policy::{self, SiteKey};
use crate::store;

use super::{Result, Service, ServiceError, action};

/// One site setting as shown to the administrator.
#[derive(Debug, Clone, Serialize)]
pub struct SiteSetting {
    pub key: &'static str,
    /// The value in force (the default when never set).
    pub value: Option<String>,
    pub is_default: bool,
    pub description: &'static str,
}

impl Service {
    /// The stored value, or the default; no permission needed (policy is not PHI).
    pub(crate) fn site_value(&self, key: SiteKey) -> Result<Option<String>> {
        Ok(store::site::get(self.db(), key.as_str())?
            .or_else(|| key.default_value().map(str::to_string)))
    }

    pub(crate) fn site_flag(&self, key: SiteKey) -> Result<bool> {
        Ok(self
            .site_value(key)?
            .and_then(|v| policy::parse_bool(&v))
            .unwrap_or(false))
    }

    /// Every known setting with the value in force.
    pub fn site_show(&self) -> Result<Vec<SiteSetting>> {
        self.require(Permission::ManageUsers, action::SITE_SHOW, None)?;
        let mut out = Vec::new();
        for key in SiteKey::ALL {
            let stored = store::site::get(self.db(), key.as_str())?;
            out.push(SiteSetting {
                key: key.as_str(),
                is_default: stored.is_none(),
                value: stored.or_else(|| key.default_value().map(str::to_string)),
                description: key.describe(),
            });
        }
        Ok(out)
    }

    /// Sets one key after checking its value; audited with before and after.
    pub fn site_set(&mut self, key: &str, value: &str) -> Result<SiteSetting> {
        self.require(Permission::ManageUsers, action::SITE_SETTING_CHANGE, None)?;
        let k = SiteKey::parse(key).ok_or_else(|| {
            let known: Vec<&str> = SiteKey::ALL.iter().map(|k| k.as_str()).collect();
            ServiceError::Usage(format!(
                "there is no site setting \"{}\"; the settings are: {}",
                key.trim(),
                known.join(", ")
            ))
        })?;
        let v = k.validate(value).map_err(ServiceError::Usage)?;
        let mut e = self.event(action::SITE_SETTING_CHANGE, None, "ok");
        e.object = Some(format!("site:{}", k.as_str()));
        store::write_tx(self.db(), |db| {
            let before = store::site::get(db, k.as_str())?;
            store::site::set(db, k.as_str(), &v)?;
            e.detail = Some(serde_json::json!({"before": before, "after": v}).to_string());
            store::audit::append(db, &e).map(|_| ())
        })?;
        Ok(SiteSetting {
            key: k.as_str(),
            value: Some(v),
            is_default: false,
            description: k.describe(),
        })
    }
}
