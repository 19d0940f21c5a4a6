//! The service's use cases as one list, and what is generated from it: the requests and
//! answers `chartroom serve` carries ([`Call`], [`Answer`], plain serde data), the server's
//! dispatch onto [`Service`] ([`dispatch`]), and [`Conn`], which the shell commands and the
//! screens hold: a service in this process or one across the network, with the same method
//! names either way.
//!
//! **Adding a use case** (a new `pub fn` on `Service` that the shell or the screens call) is
//! one line in [`use_cases!`] below: `write mut add_thing(input: NewThing as &NewThing) ->
//! Thing;` — `read` or `write` (whether a lost answer may have changed something), `mut` or
//! `ref` (the method takes `&mut self` or `&self`), each argument as it travels (an owned,
//! serde type) and, after `as`, as the method takes it when that differs (`String as &str`),
//! and the answer's type (serde both ways). `tests/it/serve_protocol.rs` fails for a `pub fn`
//! of `Service` that is in neither this list nor [`LOCAL_ONLY`].

use std::cell::{Cell, RefCell};

use serde::{Deserialize, Serialize};

use crate::domain::edit::{Change, Edit};
use crate::domain::{Chart, Document, PatientInput, Permission, Role};
use crate::search::Total;
use crate::store::audit::Anchor;
use crate::store::users::User;

use super::audit::{AnchorLog, VerifyReport};
use super::hl7::{Hl7Errors, Hl7Outcome};
use super::{
    Access, Actor, AddOutcome, AuditReport, Clock, Found, Grant, Location, LoginInfo, NewUser,
    PrivacyAlert, Result, Saved, Service, ServiceError, SiteSetting,
};
use crate::store::hl7::ErrorRow;

/// What an argument is made into to travel (on the client).
pub trait Own<W> {
    fn own(self) -> W;
}

/// How the server lends a travelled argument to the method.
pub trait Lend<'a, L> {
    fn lend(&'a self) -> L;
}

impl Own<String> for &str {
    fn own(self) -> String {
        self.to_string()
    }
}

impl<'a> Lend<'a, &'a str> for String {
    fn lend(&'a self) -> &'a str {
        self
    }
}

impl Own<Option<String>> for Option<&str> {
    fn own(self) -> Option<String> {
        self.map(str::to_string)
    }
}

impl<'a> Lend<'a, Option<&'a str>> for Option<String> {
    fn lend(&'a self) -> Option<&'a str> {
        self.as_deref()
    }
}

impl<T: Clone> Own<Vec<T>> for &[T] {
    fn own(self) -> Vec<T> {
        self.to_vec()
    }
}

impl<'a, T> Lend<'a, &'a [T]> for Vec<T> {
    fn lend(&'a self) -> &'a [T] {
        self
    }
}

impl<T: Clone> Own<T> for &T {
    fn own(self) -> T {
        self.clone()
    }
}

impl<'a, T> Lend<'a, &'a T> for T {
    fn lend(&'a self) -> &'a T {
        self
    }
}

/// The anchors `audit verify` and `audit anchor` check against or append to: on a records
/// server always the server's own (its system config), so nothing travels.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct ServerAnchors;

impl Own<ServerAnchors> for Option<&AnchorLog> {
    fn own(self) -> ServerAnchors {
        ServerAnchors
    }
}

impl Own<ServerAnchors> for Option<&mut AnchorLog> {
    fn own(self) -> ServerAnchors {
        ServerAnchors
    }
}

impl<'a> Lend<'a, Option<&'a AnchorLog>> for ServerAnchors {
    fn lend(&'a self) -> Option<&'a AnchorLog> {
        None
    }
}

impl<'a> Lend<'a, Option<&'a mut AnchorLog>> for ServerAnchors {
    fn lend(&'a self) -> Option<&'a mut AnchorLog> {
        None
    }
}

/// The service at the other end of a connection (`chartroom serve`'s client implements it).
pub trait Transport: Send {
    /// Sends one request and waits for what the server said.
    fn call(&mut self, call: &Call) -> std::result::Result<Reply, ServiceError>;
}

/// What the server says to one request: the answer, and the user as the server read them
/// for it (rights are read at every request; a role changed a moment ago shows here).
#[derive(Debug, Serialize, Deserialize)]
pub struct Reply {
    pub answer: std::result::Result<Answer, ServiceError>,
    pub user: Option<User>,
    /// The session is locked (idle lock, the lock key, or the site's password at start).
    pub locked: bool,
}

/// A service across the network: the connection, and what the client knows of the session.
pub struct Remote {
    link: RefCell<Box<dyn Transport>>,
    actor: Actor,
    clock: Clock,
    location: Location,
    locked: Cell<bool>,
}

impl Remote {
    pub fn new(
        link: Box<dyn Transport>,
        actor: Actor,
        locked: bool,
        clock: Clock,
        location: Location,
    ) -> Remote {
        Remote {
            link: RefCell::new(link),
            actor,
            clock,
            location,
            locked: Cell::new(locked),
        }
    }

    /// One round trip; the user the server read comes back beside the answer.
    fn exchange(&self, call: Call) -> (Result<Answer>, Option<User>) {
        let what = call.name();
        match self.link.borrow_mut().call(&call) {
            Err(e) => (Err(e), None),
            Ok(reply) => {
                self.locked.set(reply.locked);
                let answer = reply.answer.and_then(|a| {
                    if a.name() == what {
                        Ok(a)
                    } else {
                        Err(ServiceError::Remote(super::RemoteError::Protocol(format!(
                            "the answer to {what} was one to {}",
                            a.name()
                        ))))
                    }
                });
                (answer, reply.user)
            }
        }
    }
}

/// A service in this process, or a `chartroom serve` across the network: what the shell
/// commands and the screens hold. Its methods are the use cases in [`use_cases!`].
pub enum Conn {
    Local(Box<Service>),
    Remote(Box<Remote>),
}

impl From<Service> for Conn {
    fn from(s: Service) -> Conn {
        Conn::Local(Box::new(s))
    }
}

impl Conn {
    /// The person acting, as of the last request (the server's reading, for a remote one).
    pub fn actor(&self) -> &Actor {
        match self {
            Conn::Local(s) => s.actor(),
            Conn::Remote(r) => &r.actor,
        }
    }

    pub fn clock(&self) -> &Clock {
        match self {
            Conn::Local(s) => s.clock(),
            Conn::Remote(r) => &r.clock,
        }
    }

    /// Where the store (or the records server) is, for the status bar.
    pub fn store_label(&self) -> String {
        self.location().to_string()
    }

    pub fn location(&self) -> &Location {
        match self {
            Conn::Local(s) => s.location(),
            Conn::Remote(r) => &r.location,
        }
    }

    /// Whether the session is locked (as the server said at its last answer, for a remote one).
    pub fn is_locked(&self) -> bool {
        match self {
            Conn::Local(s) => s.is_locked(),
            Conn::Remote(r) => r.locked.get(),
        }
    }

    /// The local service, for what only runs on the machine that holds the store.
    pub fn local(&mut self) -> Option<&mut Service> {
        match self {
            Conn::Local(s) => Some(s),
            Conn::Remote(_) => None,
        }
    }

    pub fn is_remote(&self) -> bool {
        matches!(self, Conn::Remote(_))
    }
}

/// Declares the use cases; see the module's comment. Each line:
/// `read|write mut|ref name(arg: Wire [as Local], …) -> Answer;`
macro_rules! use_cases {
    ($(
        $(#[$doc:meta])*
        $kind:ident $recv:ident $name:ident ( $($arg:ident : $wire:ty $(as $local:ty)?),* $(,)? ) -> $ret:ty;
    )*) => {
        /// One request to the service, as it travels.
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Serialize, Deserialize)]
        pub enum Call {
            $( $(#[$doc])* $name { $($arg: $wire),* }, )*
        }

        /// The answer to a [`Call`] of the same name.
        #[allow(non_camel_case_types)]
        #[derive(Debug, Serialize, Deserialize)]
        pub enum Answer {
            $( $name($ret), )*
        }

        /// Every use case `chartroom serve` carries, by name.
        pub const USE_CASES: &[&str] = &[$(stringify!($name)),*];

        impl Call {
            pub fn name(&self) -> &'static str {
                match self { $( Call::$name { .. } => stringify!($name), )* }
            }

            /// Whether it may change something (a lost answer leaves that unknown).
            pub fn writes(&self) -> bool {
                match self { $( Call::$name { .. } => use_cases!(@writes $kind), )* }
            }
        }

        impl Answer {
            pub fn name(&self) -> &'static str {
                match self { $( Answer::$name(_) => stringify!($name), )* }
            }
        }

        /// Runs one request on the server's service.
        #[allow(unused_variables)]
        pub fn dispatch(svc: &mut Service, call: Call) -> Result<Answer> {
            match call {
                $( Call::$name { $($arg),* } => svc
                    .$name($(use_cases!(@lend $arg $(as $local)?)),*)
                    .map(Answer::$name), )*
            }
        }

        impl Conn {
            $( use_cases!(@method $recv $name ($($arg : $wire $(as $local)?),*) -> $ret; $(#[$doc])*); )*
        }
    };

    (@writes read) => { false };
    (@writes write) => { true };
    (@lend $arg:ident as $local:ty) => { Lend::<$local>::lend(&$arg) };
    (@lend $arg:ident) => { $arg };
    (@own $arg:ident as $local:ty) => { Own::own($arg) };
    (@own $arg:ident) => { $arg };
    (@ty $wire:ty as $local:ty) => { $local };
    (@ty $wire:ty) => { $wire };

    (@method mut $name:ident ($($arg:ident : $wire:ty $(as $local:ty)?),*) -> $ret:ty; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $name(&mut self, $($arg: use_cases!(@ty $wire $(as $local)?)),*) -> Result<$ret> {
            match self {
                Conn::Local(s) => s.$name($($arg),*),
                Conn::Remote(r) => {
                    let (answer, user) =
                        r.exchange(Call::$name { $($arg: use_cases!(@own $arg $(as $local)?)),* });
                    if let Some(u) = user {
                        r.actor.user = u;
                    }
                    match answer? {
                        Answer::$name(v) => Ok(v),
                        #[allow(unreachable_patterns)]
                        _ => unreachable!("exchange checks the answer's name"),
                    }
                }
            }
        }
    };
    (@method ref $name:ident ($($arg:ident : $wire:ty $(as $local:ty)?),*) -> $ret:ty; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $name(&self, $($arg: use_cases!(@ty $wire $(as $local)?)),*) -> Result<$ret> {
            match self {
                Conn::Local(s) => s.$name($($arg),*),
                Conn::Remote(r) => {
                    match r.exchange(Call::$name { $($arg: use_cases!(@own $arg $(as $local)?)),* }).0? {
                        Answer::$name(v) => Ok(v),
                        #[allow(unreachable_patterns)]
                        _ => unreachable!("exchange checks the answer's name"),
                    }
                }
            }
        }
    };
}

use_cases! {
    // Patients: search, charts, documents, registration.
    /// Ranked patients for a typed query.
    read mut find(query: String as &str, limit: usize) -> Vec<Found>;
    read mut find_counted(query: String as &str, limit: usize) -> (Vec<Found>, Total);
    /// A search of a typing burst in the screens.
    read mut find_live(query: String as &str, limit: usize) -> (Vec<Found>, Total);
    read mut end_burst() -> ();
    read mut warm_search() -> ();
    read mut show(mrn: String as &str) -> Chart;
    read mut show_with(mrn: String as &str, access: Access as &Access) -> Chart;
    read mut open_document(doc_id: i64) -> Document;
    read mut open_document_with(doc_id: i64, access: Access as &Access) -> Document;
    write mut add_patient(input: PatientInput as &PatientInput) -> AddOutcome;
    read mut reveal_ssn(mrn: String as &str) -> Option<String>;
    // Editing with history (no lost updates).
    write mut edit_patient(mrn: String as &str, edit: Edit as &Edit, access: Access as &Access) -> Saved;
    write mut edit_encounter(account: String as &str, edit: Edit as &Edit, access: Access as &Access) -> Saved;
    write mut edit_document(doc_id: i64, edit: Edit as &Edit, access: Access as &Access) -> Saved;
    write mut restore_change(mrn: String as &str, change_id: i64, version: Option<i64>, access: Access as &Access) -> Saved;
    read mut chart_history(mrn: String as &str, access: Access as &Access) -> Vec<Change>;
    read mut reveal_ssn_with(mrn: String as &str, access: Access as &Access) -> Option<String>;
    // The privacy officer's queue.
    read mut privacy_alerts(open_only: bool) -> Vec<PrivacyAlert>;
    write mut review_alert(id: i64) -> ();
    write mut unreview_alert(id: i64, reason: String as &str) -> ();
    // The session.
    write mut login() -> LoginInfo;
    write mut logout() -> ();
    write mut lock() -> ();
    write mut unlock(password: String as &str) -> ();
    read ref permissions() -> Vec<Permission>;
    read ref effective_idle_timeout() -> u64;
    read ref password_required_at_start() -> bool;
    read ref own_password_set() -> bool;
    // Users, the permission matrix, site policy.
    write mut add_user(user: NewUser as &NewUser) -> User;
    read mut list_users() -> Vec<User>;
    write mut set_user_disabled(name: String as &str, disabled: bool) -> User;
    write mut unlock_user(name: String as &str) -> User;
    write mut set_role(name: String as &str, role: Role) -> User;
    write mut set_password(name: Option<String> as Option<&str>, current: Option<String> as Option<&str>, new: String as &str) -> ();
    write mut set_user_idle(name: String as &str, secs: Option<i64>) -> User;
    write mut link_user_patient(name: String as &str, mrn: Option<String> as Option<&str>) -> User;
    read mut permissions_matrix() -> Vec<Grant>;
    write mut set_permission(role: Role, permission: Permission, granted: bool) -> bool;
    read mut site_show() -> Vec<SiteSetting>;
    write mut site_set(key: String as &str, value: String as &str) -> SiteSetting;
    // The audit trail and the store's own checks.
    read mut audit_patient(mrn: String as &str) -> AuditReport;
    read mut audit_user(username: String as &str) -> AuditReport;
    /// On a records server, against the server's own anchors.
    read mut audit_verify(anchors: ServerAnchors as Option<&AnchorLog>) -> VerifyReport;
    /// On a records server, to the server's own anchor file.
    write mut audit_anchor(anchors: ServerAnchors as Option<&mut AnchorLog>) -> Anchor;
    read mut check() -> Vec<String>;
    write mut hl7_apply(messages: Vec<String> as &[String]) -> Vec<Hl7Outcome>;
    read mut hl7_errors(all: bool, limit: i64) -> Hl7Errors;
    read mut hl7_error(id: i64) -> ErrorRow;
    write mut hl7_replay(id: i64) -> Hl7Outcome;
    write mut hl7_dismiss(id: i64, reason: String as &str) -> ();
}

/// The `pub fn`s of `Service` that `chartroom serve` does not carry, and why: each works on
/// files beside the store, so it runs on the machine that holds the store (the records
/// server itself, as its administrator), never from a terminal elsewhere.
pub const LOCAL_ONLY: &[(&str, &str)] = &[
    (
        "backup",
        "copies the store file to the server's backups folder",
    ),
    ("restore", "replaces the store file from a backup file"),
    ("add_key_slot", "rewrites the store's key-slot file"),
    ("remove_key_slot", "rewrites the store's key-slot file"),
    ("rotate_key", "re-keys the store file"),
    ("key_slots", "reads the store's key-slot file"),
    (
        "backup_server",
        "writes a backup file of a libSQL store where the command runs",
    ),
    (
        "copy_store",
        "copies a whole store between a file and a libSQL server (an administrator's move)",
    ),
];

/// The `pub fn`s of `Service` that are no use case: what the process knows of itself.
pub const NOT_USE_CASES: &[&str] = &[
    "open",
    "with_db",
    "actor",
    "clock",
    "store_label",
    "location",
    "is_locked",
    "glass_broken",
];
