//! Making a store: `chartroom init` (empty, optionally encrypted) with the OS login as its
//! first administrator, audited from the first row.

use std::path::Path;

use crate::domain::{Action, Outcome, Role};
use crate::secrets::keyring::Cache;
use crate::secrets::slots::KdfParams;
use crate::store::{self, Durability, Location, OpenMode, Store, audit::AuditEvent};

use super::{Clock, Result, ServiceError, identity, keys};

/// How a new store is protected.
pub enum NewStoreKey<'a> {
    /// A plain SQLite file (mode 0600).
    Plain,
    /// SQLCipher under a random key, in a slot for the administrator (under `pass`) and a
    /// recovery slot (under `recovery`); the key is cached in `cache` where the site allows.
    Encrypted {
        pass: &'a str,
        recovery: &'a str,
        cache: &'a Cache,
    },
}

/// What `create_store` made.
#[derive(Debug, Clone)]
pub struct Created {
    /// The OS login that is now the store's administrator.
    pub admin: String,
    /// Why the key of an encrypted store is not kept in a keyring, when it is not.
    pub not_cached: Option<String>,
}

/// Creates an empty store at `path`, which must not exist, with the OS login running this
/// process as its first administrator; the `store_create` row is the trail's first.
pub fn create_store(path: &Path, clock: Clock, key: NewStoreKey<'_>) -> Result<Created> {
    let login = identity::os_login()
        .ok_or_else(|| ServiceError::UnknownLogin("(no name for this account)".into()))?;
    create_store_for(path, clock, key, &login)
}

/// As [`create_store`], with the OS login `login` as the first administrator (`chartroom
/// server install`, run by root for the site's administrator). An existing empty (0-byte)
/// file at `path` is made into the store; anything else there is refused.
pub fn create_store_for(
    path: &Path,
    clock: Clock,
    key: NewStoreKey<'_>,
    login: &str,
) -> Result<Created> {
    if path.exists() && !store::is_empty_file(path) {
        return Err(ServiceError::Usage(format!(
            "a store already exists at {}; nothing was changed",
            path.display()
        )));
    }
    let login = login.to_string();
    let (db, not_cached): (Box<dyn Store>, Option<String>) = match key {
        NewStoreKey::Plain => (
            Box::new(store::open_file(path, OpenMode::Create, None)?),
            None,
        ),
        NewStoreKey::Encrypted {
            pass,
            recovery,
            cache,
        } => {
            let k = keys::create_encrypted(
                path,
                &login,
                &login,
                pass,
                recovery,
                KdfParams::default(),
                cache,
            )?;
            let why = k.cached_in.is_none().then(|| {
                k.not_cached_why
                    .unwrap_or_else(|| "the key is not kept in an OS keyring".into())
            });
            (Box::new(k.db), why)
        }
    };
    first_admin(db.as_ref(), &login, clock)?;
    Ok(Created {
        admin: login,
        not_cached,
    })
}

/// The first administrator and the trail's first row, in one transaction.
fn first_admin(db: &dyn Store, login: &str, clock: Clock) -> Result<()> {
    let now = store::iso_utc(clock.now());
    store::write_tx(db, Durability::Full, |tx| {
        if tx.count("SELECT count(*) FROM users", &[])? > 0 {
            return Err(store::StoreError::Duplicate(
                "the store already has users; nothing was changed".into(),
            ));
        }
        let id = store::users::insert(
            tx,
            login,
            &format!("{login} (administrator)"),
            Role::Admin,
            Some(login),
            &now,
        )?;
        let e = AuditEvent {
            user_id: Some(id),
            username: login.to_string(),
            os_login: Some(login.to_string()),
            origin: Some(identity::origin()),
            ..AuditEvent::new(now.clone(), Action::StoreCreate, Outcome::Ok)
        };
        store::audit::append(tx, &e)
    })?;
    Ok(())
}

/// Makes an empty chartroom store in the empty database of the server at `url` (with the
/// credential kept for it), the OS login running this process its first administrator.
pub fn create_server_store(url: &str, clock: Clock) -> Result<Created> {
    let login = identity::os_login()
        .ok_or_else(|| ServiceError::UnknownLogin("(no name for this account)".into()))?;
    let db = super::server::open_store(&Location::Server(url.to_string()), OpenMode::Create)?;
    if db.count("SELECT count(*) FROM users", &[])? > 0 {
        return Err(ServiceError::Usage(format!(
            "a store already exists on {url}; nothing was changed"
        )));
    }
    first_admin(db.as_ref(), &login, clock)?;
    Ok(Created {
        admin: login,
        not_cached: None,
    })
}

/// Opens an existing store once, to check that it is a chartroom store this program can
/// use (migrating it if it is older).
pub fn probe(loc: &Location) -> Result<()> {
    super::server::open_store(loc, OpenMode::Existing)?;
    Ok(())
}
