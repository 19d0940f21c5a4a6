//! A session in the screens: login, idle lock, unlock with the password, and the timeout.
//!
//! The TUI calls [`Service::login`] once at start; when it reports `must_unlock`, or after
//! [`Service::effective_idle_timeout`] without a key press, it calls [`Service::lock`], clears
//! every patient field from its state and shows the lock screen; the password goes to
//! [`Service::unlock`]. While locked, every permission check fails with `SessionLocked`.

use serde::{Deserialize, Serialize};

use crate::domain::policy::{self, MAX_FAILED_UNLOCKS, SiteKey};
use crate::domain::{Action, Object, Outcome};
use crate::store::{self, Durability, Store, audit::AuditEvent, users::User};

use super::entry::{Kind, Need, Op};
use super::{Clock, Result, Service, ServiceError, users::verify_password};

/// What the screens need to know when a session starts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginInfo {
    /// The site asks for the password at start: show the lock screen first.
    pub must_unlock: bool,
    /// Seconds without input before the screens lock.
    pub idle_timeout_s: u64,
    /// Whether the user has a password at all (without one, an idle lock cannot be undone
    /// here: the TUI should say so and quit instead).
    pub has_password: bool,
}

/// Records a refused login (unmapped, disabled or locked OS login) if the store lets us;
/// a failure to write it never hides the refusal itself.
pub(super) fn audit_refusal(
    db: &dyn Store,
    clock: &Clock,
    os_login: &str,
    user: Option<&User>,
    why: &'static str,
    origin: &str,
) {
    let e = AuditEvent {
        user_id: user.map(|u| u.id),
        username: user
            .map(|u| u.username.raw().to_string())
            .unwrap_or_else(|| "(unmapped)".into()),
        os_login: Some(os_login.to_string()),
        origin: Some(origin.to_string()),
        detail: Some(format!("reason={why}")),
        ..AuditEvent::new(
            store::iso_utc(clock.now()),
            Action::LoginRefused,
            Outcome::Denied,
        )
    };
    let _ =
        with_retries(|| store::write_tx(db, Durability::Full, |tx| store::audit::append(tx, &e)));
}

/// Runs a write that may meet a store busy with other writers again, a few times, before it
/// says so.
fn with_retries<T>(
    mut f: impl FnMut() -> std::result::Result<T, store::StoreError>,
) -> std::result::Result<T, store::StoreError> {
    let mut tries = 0;
    loop {
        match f() {
            Err(store::StoreError::Busy) if tries < 20 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(25 * tries));
            }
            other => return other,
        }
    }
}

impl Service {
    /// Starts a screens session: writes the `login` row and applies the site's
    /// `require_password_at_start` (the session starts locked; call [`Service::unlock`]).
    pub fn login(&mut self) -> Result<LoginInfo> {
        let op = Op::new(Action::Login, Need::Session, Kind::Write);
        let must_unlock = self.run(op, |cx| {
            let must = super::site::flag(cx.tx, SiteKey::RequirePasswordAtStart)?;
            cx.note.detail = Some(format!("password_at_start={must}"));
            Ok(must)
        })?;
        self.session_locked = must_unlock;
        Ok(LoginInfo {
            must_unlock,
            idle_timeout_s: self.effective_idle_timeout()?,
            has_password: self.actor.user.has_password,
        })
    }

    /// Ends a screens session (audited, locked or not), closing any typing burst first.
    pub fn logout(&mut self) -> Result<()> {
        let _ = self.end_burst();
        self.glass.clear();
        self.session_event(Action::Logout)
    }

    /// Locks the session (idle timeout or the user's own lock key). Forgets every broken
    /// glass: after unlocking, a restricted record needs a reason again.
    pub fn lock(&mut self) -> Result<()> {
        let _ = self.end_burst();
        self.session_locked = true;
        self.glass.clear();
        self.session_event(Action::Lock)
    }

    /// A row for an event of the session itself (it needs no permission, and is written
    /// even while the screens are locked).
    fn session_event(&self, action: Action) -> Result<()> {
        self.append(Durability::Full, &self.event(action, None, Outcome::Ok))
            .map(|_| ())
            .map_err(ServiceError::AuditFailed)
    }

    pub fn is_locked(&self) -> bool {
        self.session_locked
    }

    /// Checks the password and resumes the session. A wrong one is counted and audited;
    /// the fifth in a row locks the account until a supervisor runs `chartroom user unlock`.
    pub fn unlock(&mut self, password: &str) -> Result<()> {
        let id = self.actor.user.id;
        let user = store::users::by_id(self.db(), id)?
            .ok_or_else(|| ServiceError::UnknownLogin(self.actor.os_login.clone()))?;
        if user.disabled {
            return Err(ServiceError::Disabled(user.username));
        }
        if user.locked {
            let mut e = self.event(Action::FailedUnlock, None, Outcome::Denied);
            e.detail = Some("reason=account_locked".into());
            self.append(Durability::Full, &e)
                .map_err(ServiceError::AuditFailed)?;
            return Err(ServiceError::Locked(user.username));
        }
        let Some(hash) = store::users::password_hash(self.db(), id)? else {
            return Err(ServiceError::NoPassword(user.username));
        };
        if verify_password(&hash, password) {
            let e = self.event(Action::Unlock, None, Outcome::Ok);
            with_retries(|| {
                store::write_tx(self.db(), Durability::Full, |tx| {
                    store::users::reset_failures(tx, id)?;
                    store::audit::append(tx, &e)
                })
            })
            .map_err(ServiceError::AuditFailed)?;
            self.session_locked = false;
            self.actor.user = store::users::by_id(self.db(), id)?.unwrap_or(user);
            return Ok(());
        }
        self.session_locked = true;
        Err(self.wrong_password(&user)?)
    }

    /// Counts and audits a wrong password (at unlock, or as the current password when
    /// changing your own); the fifth in a row locks the account. Counted in one write
    /// transaction against the user as stored then, retried while others hold the store: a
    /// wrong password is never "changed by someone else", and twenty at once count as five
    /// (the account locks) plus fifteen refused as locked, every one audited.
    pub(crate) fn wrong_password(&self, user: &User) -> Result<ServiceError> {
        let object = Some(Object::User(user.username.raw().to_string()));
        let lock_at = MAX_FAILED_UNLOCKS;
        let f = with_retries(|| {
            store::write_tx(self.db(), Durability::Full, |tx| {
                let f = store::users::count_failure(tx, user.id, lock_at)?;
                let mut e = self.event(Action::FailedUnlock, None, Outcome::Denied);
                e.object = object.clone();
                e.detail = Some(if f.already_locked {
                    "reason=account_locked".into()
                } else {
                    format!("failures={}", f.count)
                });
                store::audit::append(tx, &e)?;
                if f.newly_locked {
                    let mut locked = self.event(Action::AccountLocked, None, Outcome::Ok);
                    locked.object = object.clone();
                    locked.detail = Some(format!("after={lock_at} failed unlocks"));
                    store::audit::append(tx, &locked)?;
                }
                Ok(f)
            })
        })
        .map_err(ServiceError::AuditFailed)?;
        Ok(if f.locked {
            ServiceError::Locked(user.username.clone())
        } else {
            ServiceError::WrongPassword {
                left: lock_at - f.count,
            }
        })
    }

    /// Seconds of inactivity before the screens lock: the user's own setting, else the site's,
    /// else 300 s (45 CFR 164.312(a)(2)(iii), automatic logoff).
    pub fn effective_idle_timeout(&self) -> Result<u64> {
        let user = store::users::by_id(self.db(), self.actor.user.id)?;
        if let Some(t) = user.and_then(|u| u.idle_timeout_s) {
            return Ok(t.clamp(
                *policy::IDLE_TIMEOUT_RANGE.start(),
                *policy::IDLE_TIMEOUT_RANGE.end(),
            ) as u64);
        }
        let v = super::site::value(self.db(), SiteKey::IdleTimeoutS)?;
        Ok(v.and_then(|v| v.parse::<i64>().ok())
            .filter(|n| policy::IDLE_TIMEOUT_RANGE.contains(n))
            .unwrap_or(policy::DEFAULT_IDLE_TIMEOUT_S) as u64)
    }

    /// Whether the site asks for the password when the screens start.
    pub fn password_required_at_start(&self) -> Result<bool> {
        super::site::flag(self.db(), SiteKey::RequirePasswordAtStart)
    }
}
