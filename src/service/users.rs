//! Managing chartroom users: add, list, disable, unlock, role, password, idle timeout and the
//! link to the user's own patient record. Every change is audited with before and after.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use password_hash::rand_core::OsRng;

use crate::domain::policy::{self, MIN_PASSWORD_CHARS};
use crate::domain::{Action, Mrn, Object, Permission, Role, clean_text};
use crate::store::{self, Tx, users::Change, users::User};

use super::entry::{Kind, Need, Op};
use super::{Result, Service, ServiceError};

/// A user to add.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub os_login: Option<String>,
}

/// An argon2id hash (PHC string, with its own random salt and the crate's default cost).
pub(crate) fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| ServiceError::Usage("the password could not be hashed; try another".into()))
}

/// True when `password` matches the stored hash; a damaged hash never matches.
pub(crate) fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

fn check_new_password(pw: &str) -> Result<()> {
    if pw.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ServiceError::Usage(format!(
            "the password is too short: use at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if pw.chars().any(|c| c.is_control()) {
        return Err(ServiceError::Usage(
            "the password contains control characters".into(),
        ));
    }
    Ok(())
}

fn check_name(field: &'static str, v: &str) -> Result<String> {
    let v = clean_text(field, v, 64, true)?.unwrap_or_default();
    if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(ServiceError::Usage(format!(
            "the {field} \"{v}\" is not valid: use letters, digits, '.', '_' or '-'"
        )));
    }
    Ok(v)
}

fn user_json(u: &User) -> serde_json::Value {
    serde_json::json!({"role": u.role.as_str(), "os_login": u.os_login, "disabled": u.disabled,
        "locked": u.locked, "idle_timeout_s": u.idle_timeout_s, "patient_id": u.patient_id})
}

impl Service {
    fn user_named(db: &dyn Tx, name: &str) -> Result<User> {
        store::users::by_username(db, name.trim())?
            .ok_or_else(|| ServiceError::NotFound(format!("the user \"{}\"", name.trim())))
    }

    /// Applies one change to the user named `name` and writes its audit row (before and
    /// after) in one transaction; `check` may refuse the change given the user as stored.
    fn change_user(
        &mut self,
        name: &str,
        action: Action,
        need: Permission,
        check: impl Fn(&dyn Tx, &User) -> Result<()>,
        change: impl Fn(&User) -> Change<'_>,
    ) -> Result<User> {
        let op = Op::write(action, need);
        let after = self.run(op, |cx| {
            let u = Self::user_named(cx.tx, name)?;
            check(cx.tx, &u)?;
            store::users::update(cx.tx, &u, change(&u))?;
            let after = store::users::by_id(cx.tx, u.id)?.ok_or(store::StoreError::Conflict)?;
            cx.note.object = Some(Object::User(u.username.raw().to_string()));
            cx.note.detail = Some(
                serde_json::json!({"before": user_json(&u), "after": user_json(&after)})
                    .to_string(),
            );
            Ok(after)
        })?;
        if after.id == self.actor.user.id {
            self.actor.user = after.clone();
        }
        Ok(after)
    }

    pub fn add_user(&mut self, n: &NewUser) -> Result<User> {
        let username = check_name("user name", &n.username)?;
        let login = n
            .os_login
            .as_deref()
            .map(|l| check_name("OS login", l))
            .transpose()?;
        let full = clean_text("full name", &n.full_name, 120, true)?.unwrap_or_default();
        let op = Op::write(Action::UserCreate, Permission::ManageUsers);
        self.run(op, |cx| {
            if store::users::by_username(cx.tx, &username)?.is_some() {
                return Err(store::StoreError::Duplicate(format!(
                    "a user named \"{username}\" already exists"
                ))
                .into());
            }
            if let Some(l) = &login
                && store::users::by_os_login(cx.tx, l)?.is_some()
            {
                return Err(store::StoreError::Duplicate(format!(
                    "the OS login \"{l}\" is already mapped to a user"
                ))
                .into());
            }
            let id =
                store::users::insert(cx.tx, &username, &full, n.role, login.as_deref(), cx.now)?;
            let u = store::users::by_id(cx.tx, id)?.ok_or(store::StoreError::Conflict)?;
            cx.note.object = Some(Object::User(username.clone()));
            cx.note.detail =
                Some(serde_json::json!({"before": null, "after": user_json(&u)}).to_string());
            Ok(u)
        })
    }

    /// Every user (supervisors see who is locked; administrators manage them).
    pub fn list_users(&mut self) -> Result<Vec<User>> {
        let op = Op::read(Action::UserList, Permission::UnlockUsers);
        self.run(op, |cx| {
            let users = store::users::list(cx.tx)?;
            cx.note.detail = Some(format!("results={}", users.len()));
            Ok(users)
        })
    }

    /// Disables (or re-enables) a user: their OS login is refused from then on, and a
    /// session they have open is refused at its next action.
    pub fn set_user_disabled(&mut self, name: &str, disabled: bool) -> Result<User> {
        self.change_user(
            name,
            Action::UserUpdate,
            Permission::ManageUsers,
            |tx, u| {
                if disabled {
                    keep_an_admin(tx, u)
                } else {
                    Ok(())
                }
            },
            |_| Change::Disabled(disabled),
        )
    }

    /// Clears a lock left by five wrong passwords (supervisors and administrators).
    pub fn unlock_user(&mut self, name: &str) -> Result<User> {
        self.change_user(
            name,
            Action::UserUnlock,
            Permission::UnlockUsers,
            |_, _| Ok(()),
            |_| Change::Unlocked,
        )
    }

    /// Changes a user's role; audited as `role_change` with before and after.
    pub fn set_role(&mut self, name: &str, role: Role) -> Result<User> {
        self.change_user(
            name,
            Action::RoleChange,
            Permission::ManageUsers,
            |tx, u| {
                if role != Role::Admin {
                    keep_an_admin(tx, u)
                } else {
                    Ok(())
                }
            },
            |_| Change::Role(role),
        )
    }

    /// Sets a password. Your own needs your current one (when you have one); anyone else's
    /// needs the manage-users permission. The password itself is never audited.
    pub fn set_password(
        &mut self,
        name: Option<&str>,
        current: Option<&str>,
        new: &str,
    ) -> Result<()> {
        let own = name.is_none_or(|n| n.trim() == self.actor.user.username.raw());
        if self.session_locked {
            return Err(ServiceError::SessionLocked);
        }
        let rights = self.rights()?;
        if own {
            if let Some(hash) = store::users::password_hash(self.db(), rights.user.id)? {
                // A wrong current password counts as a failed unlock, so this is no way
                // around the lockout.
                if !current.is_some_and(|c| verify_password(&hash, c)) {
                    return Err(self.wrong_password(&rights.user)?);
                }
            }
        } else if !rights.allows(Permission::ManageUsers) {
            return Err(self.deny(Action::PasswordChange, None, Permission::ManageUsers));
        }
        check_new_password(new)?;
        let hash = hash_password(new)?;
        let target = match name {
            Some(n) if !own => n.to_string(),
            _ => self.actor.user.username.raw().to_string(),
        };
        let op = if own {
            Op::new(Action::PasswordChange, Need::Session, Kind::Write)
        } else {
            Op::write(Action::PasswordChange, Permission::ManageUsers)
        };
        let after = self.run(op, |cx| {
            let u = Self::user_named(cx.tx, &target)?;
            store::users::update(cx.tx, &u, Change::PasswordHash(&hash))?;
            let after = store::users::by_id(cx.tx, u.id)?.ok_or(store::StoreError::Conflict)?;
            cx.note.object = Some(Object::User(u.username.raw().to_string()));
            cx.note.detail = Some(
                serde_json::json!({"before": user_json(&u), "after": user_json(&after)})
                    .to_string(),
            );
            Ok(after)
        })?;
        if after.id == self.actor.user.id {
            self.actor.user = after;
        }
        Ok(())
    }

    /// Whether setting your own password needs the current one first.
    pub fn own_password_set(&self) -> Result<bool> {
        Ok(store::users::password_hash(self.db(), self.actor.user.id)?.is_some())
    }

    /// A user's own idle timeout (`None`: the site's).
    pub fn set_user_idle(&mut self, name: &str, secs: Option<i64>) -> Result<User> {
        if let Some(s) = secs {
            policy::validate_idle_timeout(s).map_err(ServiceError::Usage)?;
        }
        self.change_user(
            name,
            Action::UserUpdate,
            Permission::ManageUsers,
            |_, _| Ok(()),
            |_| Change::IdleTimeout(secs),
        )
    }

    /// Links a user to their own patient record (so they cannot open it), or unlinks.
    pub fn link_user_patient(&mut self, name: &str, mrn: Option<&str>) -> Result<User> {
        let m = mrn.map(Mrn::parse).transpose()?;
        let pid = match &m {
            None => None,
            Some(m) => Some(
                store::patients::by_mrn(self.db(), m)?
                    .ok_or_else(|| ServiceError::NotFound("that MRN".into()))?
                    .id,
            ),
        };
        self.change_user(
            name,
            Action::UserUpdate,
            Permission::ManageUsers,
            |_, _| Ok(()),
            |_| Change::PatientLink(pid),
        )
    }
}

/// The last enabled administrator may not be demoted or disabled (nobody could manage
/// users afterwards).
fn keep_an_admin(db: &dyn Tx, u: &User) -> Result<()> {
    if u.role != Role::Admin || u.disabled {
        return Ok(());
    }
    let admins = store::users::list(db)?
        .iter()
        .filter(|x| x.role == Role::Admin && !x.disabled)
        .count();
    if admins <= 1 {
        return Err(ServiceError::Usage(
            "this is the only administrator; add another administrator first".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_hashes_verify_and_differ() {
        let a = hash_password("correct horse").expect("hash");
        let b = hash_password("correct horse").expect("hash");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password(&a, "correct horse"));
        assert!(!verify_password(&a, "wrong horse"));
        assert!(!verify_password("not a hash", "correct horse"));
    }
}
