//! The permission matrix kept in the store (`role_permissions`), and a user's rights read
//! fresh at each access: the user's row and their role's grants in one indexed read.
//!
//! A later migration that adds a permission inserts its default grants in the same step, so
//! a site's own changes to older grants are kept.

use crate::domain::{Permission, Role, access};

use super::StoreError;
use super::sql::Tx;
use super::users::{self, User};
use crate::params;

/// What a user may do right now.
#[derive(Debug, Clone)]
pub struct Rights {
    pub user: User,
    pub permissions: Vec<Permission>,
}

impl Rights {
    pub fn allows(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }
}

/// The user and their role's grants, as stored now (`None`: no such user).
pub fn for_user(db: &dyn Tx, user_id: i64) -> Result<Option<Rights>, StoreError> {
    let sql = format!(
        "SELECT {}, (SELECT group_concat(rp.permission, ',') FROM role_permissions rp \
         WHERE rp.role = users.role) FROM users WHERE id = ?",
        users::COLS
    );
    let Some(r) = db.query_row(&sql, params![user_id])? else {
        return Ok(None);
    };
    let user = users::from_row(&r)?;
    let permissions = r
        .opt_text(users::COL_COUNT)?
        .unwrap_or_default()
        .split(',')
        .filter_map(Permission::parse)
        .collect();
    Ok(Some(Rights { user, permissions }))
}

/// Every grant, by role.
pub fn grants(db: &dyn Tx) -> Result<Vec<(Role, Permission)>, StoreError> {
    let mut out = Vec::new();
    for r in db.query(
        "SELECT role, permission FROM role_permissions ORDER BY role, permission",
        &[],
    )? {
        if let (Some(role), Some(p)) = (Role::parse(&r.text(0)?), Permission::parse(&r.text(1)?)) {
            out.push((role, p));
        }
    }
    Ok(out)
}

/// Gives or takes one permission; returns whether anything changed.
pub fn set(db: &dyn Tx, role: Role, p: Permission, granted: bool) -> Result<bool, StoreError> {
    let n = if granted {
        db.execute(
            "INSERT OR IGNORE INTO role_permissions (role, permission) VALUES (?, ?)",
            params![role.as_str(), p.as_str()],
        )?
    } else {
        db.execute(
            "DELETE FROM role_permissions WHERE role = ? AND permission = ?",
            params![role.as_str(), p.as_str()],
        )?
    };
    Ok(n.rows > 0)
}

/// Migration 3: today's grants, from the domain's default matrix.
pub fn seed_defaults(db: &dyn Tx) -> Result<(), StoreError> {
    for role in Role::ALL {
        for p in Permission::ALL {
            if access::default_allows(role, p) {
                set(db, role, p, true)?;
            }
        }
    }
    Ok(())
}
