//! Stores on a libSQL server: the server's credential in this account's keyring, opening a
//! store wherever it lives, and copying a whole store from one place to another (a file onto a
//! server, for a site that moves to one or a test that needs demo data there).

use crate::domain::{Action, Object, Outcome, Permission};
use crate::secrets::keyring::{Cache, Kind, Pin};
use crate::secrets::token::{self, Claims, ServerToken};
use crate::store::{self, Durability, Location, OpenMode, Store, StoreError, transfer};

use super::{Result, Service, ServiceError};

/// The keyring stores this process may use for a server credential (`CHARTROOM_KEYRING`
/// may narrow them; the site's own pin lives in the store, which is not open yet).
fn cache() -> Cache {
    Cache::open(Pin::from_env())
}

/// The credential kept for the server at `url`, or a message saying how to store one.
pub fn server_token(url: &str) -> Result<ServerToken> {
    store::check_url(url)?;
    let account = store::account_url(url);
    match token::load(&cache(), &account) {
        Some(t) => Ok(t),
        None => Err(ServiceError::Store(StoreError::NoServerToken(account))),
    }
}

/// Opens a store wherever it lives: a plain file, or a server with the credential kept for it.
pub fn open_store(loc: &Location, mode: OpenMode) -> Result<Box<dyn Store>> {
    match loc {
        Location::File(p) => Ok(Box::new(store::open_file(p, mode, None)?)),
        Location::Server(url) => {
            let t = server_token(url)?;
            Ok(Box::new(store::open_server(url, t.as_str(), mode)?))
        }
        Location::Service(a) => Err(ServiceError::Usage(format!(
            "{a} is a records server: it is reached through `chartroom login`, never opened as a store"
        ))),
    }
}

/// What storing a credential found.
#[derive(Debug, Clone)]
pub struct TokenSaved {
    /// Which keyring holds it.
    pub kept_in: &'static str,
    pub claims: Claims,
    /// What the server holds: a chartroom store, nothing yet, or another database.
    pub holds: Holds,
}

/// Checks `token` against the server at `url` (a refused or expired token is not stored),
/// then keeps it in this account's keyring.
pub fn set_server_token(url: &str, token: &ServerToken) -> Result<TokenSaved> {
    store::check_url(url)?;
    let account = store::account_url(url);
    let claims = token.claims();
    if let Some(exp) = claims.exp
        && exp <= chrono::Utc::now().timestamp()
    {
        return Err(ServiceError::Store(StoreError::TokenExpired(account)));
    }
    let holds = match store::RemoteDb::connect(url, token.as_str(), OpenMode::Existing) {
        Ok(_) => Holds::Store,
        Err(StoreError::NoServerStore(_)) => Holds::Nothing,
        Err(StoreError::ForeignDatabase(_)) => Holds::Other,
        Err(e) => return Err(e.into()),
    };
    let kind = token::save(&cache(), &account, token)?;
    Ok(TokenSaved {
        kept_in: kind_name(kind),
        claims,
        holds,
    })
}

/// What a server's database holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    Store,
    Nothing,
    Other,
}

fn kind_name(k: Kind) -> &'static str {
    k.name()
}

/// Removes the credential for `url` from every keyring of this account; how many held it.
pub fn forget_server_token(url: &str) -> usize {
    token::forget(&cache(), &store::account_url(url))
}

impl Service {
    /// Copies the whole open store (administrators) into `dest`, a new file or an empty
    /// database on a server, in one snapshot and one transaction; `progress(rows, of)`.
    /// Audited here (started, then ok or failed) and, once copied, in the copy's own trail.
    pub fn copy_store(
        &mut self,
        dest: &Location,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<transfer::Copied> {
        if dest == self.location() {
            return Err(ServiceError::Usage(
                "a store cannot be copied onto itself".into(),
            ));
        }
        if let Location::File(p) = dest
            && p.exists()
        {
            return Err(ServiceError::Usage(format!(
                "{} already exists; a copy never overwrites a file: name a new one",
                p.display()
            )));
        }
        let object = Some(Object::File(dest.to_string()));
        self.run_outside(Action::StoreCopy, Permission::ManageUsers, object, |svc| {
            let to = open_store(dest, OpenMode::Create)?;
            let done = transfer::copy(svc.db(), to.as_ref(), progress);
            let done = match done {
                Ok(d) => d,
                Err(e) => {
                    if let Location::File(p) = dest {
                        drop(to);
                        let _ = std::fs::remove_file(p);
                    }
                    return Err(e.into());
                }
            };
            let mut e = svc.event(Action::StoreCopy, None, Outcome::Ok);
            e.object = Some(Object::File(svc.location().to_string()));
            e.detail = Some(format!("copied from; rows={}", done.rows));
            store::write_tx(to.as_ref(), Durability::Full, |tx| {
                store::audit::append(tx, &e)
            })
            .map_err(ServiceError::AuditFailed)?;
            Ok(done)
        })
    }
}
