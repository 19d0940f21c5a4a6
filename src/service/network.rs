//! Sessions for a records server (`chartroom serve`): the store it holds open for its
//! clients, and the three ways a client's session starts — a password (which gives a session
//! token), a token from an earlier password, and the OS user a Unix socket's peer runs as.
//! The token itself is the server's business (`serve/sessions.rs`); here a session is a user,
//! an OS login and the address the server saw, checked against the store like any other.

use std::path::PathBuf;

use crate::domain::{Action, Object, Outcome};
use crate::secrets::DataKey;
use crate::store::{self, Durability, OpenMode, Store};

use super::users::verify_password;
use super::{Clock, Location, Result, Service, ServiceError};

/// How the server opens one more connection to its store (one per client session).
pub struct StoreOpener {
    location: Location,
    /// An encrypted store's key, unlocked once when the server starts and kept in its
    /// memory only: clients never see it.
    key: Option<DataKey>,
}

impl StoreOpener {
    /// Checks that the store opens (unlocking an encrypted one now: the OS keyring of the
    /// server's account, else the passphrase from the terminal or `--passphrase-fd`).
    pub fn open(location: &Location) -> Result<StoreOpener> {
        let key = match location {
            Location::File(p) if crate::secrets::is_encrypted(p) => {
                Some(super::keys::open_encrypted(p)?.key)
            }
            Location::File(p) if !p.exists() => {
                return Err(store::StoreError::NoStore(p.clone()).into());
            }
            Location::Service(a) => {
                return Err(ServiceError::Usage(format!(
                    "{a} is a records server; serve a store (a file, or an https:// store server)"
                )));
            }
            _ => None,
        };
        let opener = StoreOpener {
            location: location.clone(),
            key,
        };
        drop(opener.connect()?);
        Ok(opener)
    }

    /// A new connection to the store.
    pub fn connect(&self) -> Result<Box<dyn Store>> {
        Ok(match (&self.location, &self.key) {
            (Location::File(p), Some(k)) => {
                Box::new(store::open_file(p, OpenMode::Existing, Some(k))?)
            }
            (loc, _) => store::open(loc, OpenMode::Existing)?,
        })
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The store file, when it is one (for the sessions file beside it).
    pub fn file(&self) -> Option<PathBuf> {
        self.location.as_file().map(|p| p.to_path_buf())
    }

    /// Whether the store answers: a read of its schema version (for `serve --check`).
    pub fn healthy(&self) -> Result<i64> {
        let db = self.connect()?;
        Ok(db.schema_version()?)
    }
}

/// The user a password sign-in found (a wrong password says nothing about which part was
/// wrong, so nobody learns which user names exist).
fn wrong_name_or_password() -> ServiceError {
    ServiceError::Remote(super::RemoteError::Refused(
        "the user name or the password is wrong (five wrong passwords in a row lock the account)"
            .into(),
    ))
}

impl Service {
    /// Signs a client in with the chartroom user's password. A wrong password counts toward
    /// the lockout exactly as one typed at the lock screen; a right one for a disabled or
    /// locked account is refused as such. Audited either way (`login` with `via=password`,
    /// or `failed_unlock` / `login_refused`), with the client's address as the origin.
    pub fn sign_in(
        db: Box<dyn Store>,
        clock: Clock,
        username: &str,
        password: &str,
        os_login: &str,
        origin: String,
    ) -> Result<Service> {
        let Some(user) = store::users::by_username(db.as_ref(), username.trim())? else {
            // As long as a real check, so a missing name does not answer faster.
            let _ = verify_password(DUMMY_HASH, password);
            super::session::audit_refusal(
                db.as_ref(),
                &clock,
                os_login,
                None,
                "unknown_user",
                &origin,
            );
            return Err(wrong_name_or_password());
        };
        let svc = Service::acting(db, clock, user.clone(), os_login, origin);
        let right = store::users::password_hash(svc.db(), user.id)?
            .is_some_and(|h| verify_password(&h, password));
        if !right {
            // Counted and audited; once locked, the account counts no more.
            return Err(match svc.wrong_password(&user)? {
                ServiceError::Locked(u) => ServiceError::Locked(u),
                _ => wrong_name_or_password(),
            });
        }
        if user.disabled || user.locked {
            let why = if user.disabled { "disabled" } else { "locked" };
            super::session::audit_refusal(
                svc.db(),
                &svc.clock,
                os_login,
                Some(&user),
                why,
                &svc.actor.origin,
            );
            return Err(if user.disabled {
                ServiceError::Disabled(user.username)
            } else {
                ServiceError::Locked(user.username)
            });
        }
        let mut e = svc.event(Action::Login, None, Outcome::Ok);
        e.object = Some(Object::User(user.username.raw().to_string()));
        e.detail = Some("via=password".into());
        store::write_tx(svc.db(), Durability::Full, |tx| {
            store::users::reset_failures(tx, user.id)?;
            store::audit::append(tx, &e)
        })
        .map_err(ServiceError::AuditFailed)?;
        Ok(svc)
    }

    /// Resumes a session a token stands for: the user is read again (a user disabled or
    /// locked since is refused, and the refusal audited), and the session comes back locked
    /// if it was.
    pub fn resume(
        db: Box<dyn Store>,
        clock: Clock,
        user_id: i64,
        os_login: &str,
        origin: String,
        locked: bool,
    ) -> Result<Service> {
        let user = store::users::by_id(db.as_ref(), user_id)?;
        let refused = match &user {
            None => Some(("unknown_login", None)),
            Some(u) if u.disabled => Some(("disabled", Some(u))),
            Some(u) if u.locked => Some(("locked", Some(u))),
            Some(_) => None,
        };
        if let Some((why, u)) = refused {
            super::session::audit_refusal(db.as_ref(), &clock, os_login, u, why, &origin);
            return Err(match u {
                None => ServiceError::UnknownLogin(os_login.to_string()),
                Some(u) if u.disabled => ServiceError::Disabled(u.username.clone()),
                Some(u) => ServiceError::Locked(u.username.clone()),
            });
        }
        let user = user.expect("checked above");
        let mut svc = Service::acting(db, clock, user, os_login, origin);
        svc.session_locked = locked;
        Ok(svc)
    }

    /// A session for the OS user a Unix socket's peer runs as (the kernel says who:
    /// SO_PEERCRED), mapped to a chartroom user by their OS login as on this machine.
    pub fn for_peer(
        db: Box<dyn Store>,
        clock: Clock,
        os_login: &str,
        origin: String,
    ) -> Result<Service> {
        Service::with_origin(db, clock, os_login, origin)
    }

    /// Whether an error means the user may no longer have any session (disabled, locked,
    /// gone): the server then ends every session they hold.
    pub fn ends_sessions(e: &ServiceError) -> bool {
        matches!(
            e,
            ServiceError::Disabled(_) | ServiceError::Locked(_) | ServiceError::UnknownLogin(_)
        )
    }
}

/// An argon2id hash of nothing anyone types, checked when the user name is unknown.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$2lSxkhiX0l/0ZSlm2b0yFKPkq5ccNTCQEHbSZx0c9Ts";
