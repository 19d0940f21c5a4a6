//! The site's permission matrix: `chartroom site permissions` shows it and an administrator
//! changes it, one grant at a time, audited. Every access reads it (see `entry.rs`), so a
//! change applies to sessions already open at their next action.

use serde::{Deserialize, Serialize};

use crate::domain::{Action, Object, Permission, Role};
use crate::store;

use super::entry::Op;
use super::{Result, Service, ServiceError};

/// One role's grant of one permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    #[serde(deserialize_with = "crate::domain::wire::name")]
    pub role: crate::domain::wire::Name,
    #[serde(deserialize_with = "crate::domain::wire::name")]
    pub permission: crate::domain::wire::Name,
    pub granted: bool,
    #[serde(deserialize_with = "crate::domain::wire::name")]
    pub description: crate::domain::wire::Name,
}

impl Service {
    /// The whole matrix: every role against every permission (administrators; audited).
    pub fn permissions_matrix(&mut self) -> Result<Vec<Grant>> {
        let op = Op::read(Action::PermissionsShow, Permission::ManageUsers);
        self.run(op, |cx| {
            let held = store::rights::grants(cx.tx)?;
            let mut out = Vec::new();
            for role in Role::ALL {
                for p in Permission::ALL {
                    out.push(Grant {
                        role: role.as_str(),
                        permission: p.as_str(),
                        granted: held.contains(&(role, p)),
                        description: p.describe(),
                    });
                }
            }
            Ok(out)
        })
    }

    /// Gives (`granted`) or takes one permission from a role; audited with before and after.
    /// The administrator role always keeps the right to manage users, so nobody can lock the
    /// site out of its own settings.
    pub fn set_permission(&mut self, role: Role, p: Permission, granted: bool) -> Result<bool> {
        if role == Role::Admin && p == Permission::ManageUsers && !granted {
            return Err(ServiceError::Usage(
                "administrators always keep manage_users (otherwise nobody could change users or settings)"
                    .into(),
            ));
        }
        let op = Op::write(Action::PermissionChange, Permission::ManageUsers);
        self.run(op, |cx| {
            let changed = store::rights::set(cx.tx, role, p, granted)?;
            cx.note.object = Some(Object::Grant(role, p));
            cx.note.detail = Some(
                serde_json::json!({"before": if changed { !granted } else { granted }, "after": granted})
                    .to_string(),
            );
            Ok(changed)
        })
    }
}
