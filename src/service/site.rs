//! Site policy: `chartroom site show` and `chartroom site set`, administrators only, audited
//! with the value before and after.

use serde::{Deserialize, Serialize};

use crate::domain::policy::{self, SiteKey};
use crate::domain::{Action, Object, Permission, Text};
use crate::store::{self, Tx};

use super::entry::Op;
use super::{Result, Service, ServiceError};

/// One site setting as shown to the administrator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteSetting {
    #[serde(deserialize_with = "crate::domain::wire::name")]
    pub key: crate::domain::wire::Name,
    /// The value in force (the default when never set).
    pub value: Option<Text>,
    pub is_default: bool,
    #[serde(deserialize_with = "crate::domain::wire::name")]
    pub description: crate::domain::wire::Name,
}

/// The stored value, or the default; no permission needed (policy is not PHI).
pub(crate) fn value(db: &dyn Tx, key: SiteKey) -> Result<Option<String>> {
    Ok(store::site::get(db, key.as_str())?.or_else(|| key.default_value().map(str::to_string)))
}

pub(crate) fn flag(db: &dyn Tx, key: SiteKey) -> Result<bool> {
    Ok(value(db, key)?
        .and_then(|v| policy::parse_bool(&v))
        .unwrap_or(false))
}

impl Service {
    /// Every known setting with the value in force (administrators; audited).
    pub fn site_show(&mut self) -> Result<Vec<SiteSetting>> {
        let op = Op::read(Action::SiteShow, Permission::ManageUsers);
        self.run(op, |cx| {
            let mut out = Vec::new();
            for key in SiteKey::ALL {
                let stored = store::site::get(cx.tx, key.as_str())?;
                out.push(SiteSetting {
                    key: key.as_str(),
                    is_default: stored.is_none(),
                    value: stored
                        .or_else(|| key.default_value().map(str::to_string))
                        .map(Text::from),
                    description: key.describe(),
                });
            }
            Ok(out)
        })
    }

    /// Sets one key after checking its value; audited with before and after.
    pub fn site_set(&mut self, key: &str, value: &str) -> Result<SiteSetting> {
        if let Some(why) = policy::retired_key(key) {
            return Err(ServiceError::Usage(why.into()));
        }
        let k = SiteKey::parse(key).ok_or_else(|| {
            let known: Vec<&str> = SiteKey::ALL.iter().map(|k| k.as_str()).collect();
            ServiceError::Usage(format!(
                "there is no site setting \"{}\"; the settings are: {}",
                key.trim(),
                known.join(", ")
            ))
        })?;
        let v = k.validate(value).map_err(ServiceError::Usage)?;
        let op = Op::write(Action::SiteSettingChange, Permission::ManageUsers);
        self.run(op, |cx| {
            let before = store::site::get(cx.tx, k.as_str())?;
            store::site::set(cx.tx, k.as_str(), &v)?;
            cx.note.object = Some(Object::Site(k.as_str()));
            cx.note.detail = Some(serde_json::json!({"before": before, "after": v}).to_string());
            Ok(())
        })?;
        Ok(SiteSetting {
            key: k.as_str(),
            value: Some(Text::from(v)),
            is_default: false,
            description: k.describe(),
        })
    }
}
