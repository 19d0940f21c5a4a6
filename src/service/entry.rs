//! The one audited entry point every use case goes through.
//!
//! A use case states what it is ([`Op`]: its audit action, the permission it needs, the
//! patient or document it touches and how it reads or writes) and hands over its work.
//! [`Service::run`] then, in this order:
//!
//! 1. refuses when the screens' session is locked;
//! 2. reads the user's rights from the store (role, grants, disabled or locked, the link to
//!    their own patient record): every access sees a change made a moment ago;
//! 3. resolves the patient the use case is about (so a denial names it);
//! 4. checks the permission; a denial is refused and audited;
//! 5. runs the restricted-record gate (own record, break the glass: see `restricted.rs`);
//! 6. runs the work and writes its audit row: a change and its row in one write transaction;
//!    a read in one snapshot, its row committed before anything is returned (fail closed).
//!
//! Reads take a snapshot rather than the write lock, so a long report never blocks a clerk
//! saving an edit; the data still leaves the service only after its audit row is committed.

use crate::domain::{Action, Mrn, Object, Outcome, PatientFlags, Permission};
use crate::store::{
    self, Durability, Store, StoreError, Tx, audit::AuditEvent, rights::Rights, users::User,
};

use super::restricted::{Access, Gate, sensitive_kinds};
use super::{Result, Service, ServiceError};

/// What a use case needs before it may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// This permission, from the store's matrix.
    Permission(Permission),
    /// Only an open session (the user's own login, logout, lock).
    Session,
}

/// What the use case is about, for the denial row and the restricted-record gate.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Subject<'a> {
    None,
    /// A patient by MRN; `gate`: the restricted-record rules apply (a chart, an SSN) or not
    /// (the audit report about them).
    Mrn {
        mrn: &'a Mrn,
        gate: bool,
    },
    /// A document: its patient's rules apply, and its own Part 2 flag.
    Document(i64),
    /// An encounter by account number: its patient's rules apply.
    Encounter(&'a str),
}

/// How the work touches the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A read in one snapshot; the audit row committed after it with relaxed durability.
    Read,
    /// A read whose row must survive a power cut (audit verification, security events).
    ReadDurable,
    /// A change: the work and its audit row in one write transaction.
    Write,
}

/// One use case, as the entry point sees it.
pub(crate) struct Op<'a> {
    pub action: Action,
    pub need: Need,
    pub subject: Subject<'a>,
    pub kind: Kind,
    pub access: &'a Access,
    /// No audit row for this call (a search inside a typing burst whose opening row is
    /// written): the rights and the permission are still checked.
    pub quiet: bool,
}

impl<'a> Op<'a> {
    pub fn new(action: Action, need: Need, kind: Kind) -> Op<'a> {
        Op {
            action,
            need,
            subject: Subject::None,
            kind,
            access: &Access::Normal,
            quiet: false,
        }
    }

    pub fn read(action: Action, p: Permission) -> Op<'a> {
        Op::new(action, Need::Permission(p), Kind::Read)
    }

    pub fn write(action: Action, p: Permission) -> Op<'a> {
        Op::new(action, Need::Permission(p), Kind::Write)
    }

    pub fn subject(mut self, s: Subject<'a>) -> Op<'a> {
        self.subject = s;
        self
    }

    pub fn access(mut self, a: &'a Access) -> Op<'a> {
        self.access = a;
        self
    }
}

/// The patient a use case turned out to be about.
#[derive(Debug, Clone)]
pub(crate) struct Patient {
    pub id: i64,
    pub mrn: Mrn,
    pub flags: PatientFlags,
    /// The document asked for is flagged Part 2 (its own rule, whatever the patient's).
    pub part2_document: bool,
}

/// What the work may fill in on its audit row.
#[derive(Debug, Default)]
pub(crate) struct Note {
    pub patient_id: Option<i64>,
    pub object: Option<Object>,
    pub detail: Option<String>,
}

/// Handed to the work: the transaction (and the store, for its integrity check), the patient
/// the entry point resolved, and the audit row to fill in.
pub(crate) struct Cx<'a> {
    pub tx: &'a dyn Tx,
    pub store: &'a dyn Store,
    pub patient: Option<&'a Patient>,
    pub note: &'a mut Note,
    pub now: &'a str,
}

/// Why the entry point refused a use case. Decided inside the use case's transaction,
/// audited once after it.
pub(crate) enum Refusal {
    /// The user vanished, or is disabled or locked now.
    Session {
        user: Option<Box<User>>,
        why: &'static str,
        err: ServiceError,
    },
    /// The role lacks the permission.
    Denied {
        action: Action,
        patient_id: Option<i64>,
        need: Permission,
    },
    /// The restricted-record gate said no (own record, no reason given).
    Gate {
        action: Action,
        patient_id: i64,
        mrn: Mrn,
        outcome: Outcome,
        detail: String,
        err: ServiceError,
    },
    /// Not a refusal to audit: the request itself was wrong (a reason with control
    /// characters, a patient that does not exist).
    Plain(ServiceError),
}

/// What the checks found when the use case may go on.
struct Checked {
    patient: Option<Patient>,
    gate: Gate,
}

impl Service {
    /// The signed-in user and their grants, as the store holds them now. A user disabled or
    /// locked since the last access is refused (and the refusal audited) at once.
    pub(crate) fn rights(&self) -> Result<Rights> {
        match self.rights_in(self.db())? {
            Ok(r) => Ok(r),
            Err(refusal) => Err(self.refuse(refusal)),
        }
    }

    fn rights_in(
        &self,
        tx: &dyn Tx,
    ) -> std::result::Result<std::result::Result<Rights, Refusal>, StoreError> {
        let Some(r) = store::rights::for_user(tx, self.actor.user.id)? else {
            return Ok(Err(Refusal::Session {
                user: None,
                why: "unknown_login",
                err: ServiceError::UnknownLogin(self.actor.os_login.clone()),
            }));
        };
        if r.user.disabled {
            let err = ServiceError::Disabled(r.user.username.clone());
            return Ok(Err(Refusal::Session {
                user: Some(Box::new(r.user)),
                why: "disabled",
                err,
            }));
        }
        if r.user.locked {
            let err = ServiceError::Locked(r.user.username.clone());
            return Ok(Err(Refusal::Session {
                user: Some(Box::new(r.user)),
                why: "locked",
                err,
            }));
        }
        Ok(Ok(r))
    }

    /// Steps 2 to 5 of the module's comment, inside the use case's transaction.
    fn checks(
        &self,
        tx: &dyn Tx,
        op: &Op<'_>,
        seen: &mut Option<User>,
    ) -> std::result::Result<std::result::Result<Checked, Refusal>, StoreError> {
        let rights = match self.rights_in(tx)? {
            Ok(r) => r,
            Err(refusal) => return Ok(Err(refusal)),
        };
        *seen = Some(rights.user.clone());
        let patient = match self.resolve(tx, op.subject) {
            Ok(p) => p,
            Err(ServiceError::Store(e)) => return Err(e),
            Err(e) => return Ok(Err(Refusal::Plain(e))),
        };
        if let Need::Permission(p) = op.need
            && !rights.allows(p)
        {
            return Ok(Err(Refusal::Denied {
                action: op.action,
                patient_id: patient.as_ref().map(|p| p.id),
                need: p,
            }));
        }
        let gate = match (&patient, op.subject) {
            (
                Some(p),
                Subject::Mrn { gate: true, .. } | Subject::Document(_) | Subject::Encounter(_),
            ) => {
                let kinds = sensitive_kinds(&p.flags, p.part2_document);
                match self.gate(&rights, op.action, p, &kinds, op.access) {
                    Ok(g) => g,
                    Err(refusal) => return Ok(Err(refusal)),
                }
            }
            _ => Gate::Open,
        };
        Ok(Ok(Checked { patient, gate }))
    }

    /// Audits a refusal (in its own transaction, durably) and returns the error to show.
    pub(crate) fn refuse(&self, r: Refusal) -> ServiceError {
        let (e, err) = match r {
            Refusal::Plain(err) => return err,
            Refusal::Session { user, why, err } => {
                let mut e = self.event(Action::LoginRefused, None, Outcome::Denied);
                e.user_id = user.map(|u| u.id);
                e.detail = Some(format!("reason={why}"));
                // A refusal of the session is never hidden by a failure to record it.
                let _ = self.append(Durability::Full, &e);
                return err;
            }
            Refusal::Denied {
                action,
                patient_id,
                need,
            } => {
                let mut e = self.event(action, patient_id, Outcome::Denied);
                e.detail = Some(format!("needs {need:?}"));
                (e, self.denied(need))
            }
            Refusal::Gate {
                action,
                patient_id,
                mrn,
                outcome,
                detail,
                err,
            } => {
                let mut e = self.event(action, Some(patient_id), outcome);
                e.object = Some(Object::Patient(mrn));
                e.detail = Some(detail);
                (e, err)
            }
        };
        match self.append(Durability::Full, &e) {
            Ok(_) => err,
            Err(x) => ServiceError::AuditFailed(x),
        }
    }

    fn denied(&self, need: Permission) -> ServiceError {
        ServiceError::Denied {
            role: self.actor.user.role.as_str(),
            what: need.describe(),
        }
    }

    /// Runs one use case through the checks above; see the module's comment.
    pub(crate) fn run<T>(
        &mut self,
        op: Op<'_>,
        mut work: impl FnMut(&mut Cx<'_>) -> Result<T>,
    ) -> Result<T> {
        if self.session_locked {
            return Err(ServiceError::SessionLocked);
        }
        let now = store::iso_utc(self.clock.now());
        let db = self.db.as_ref();
        let mut note = Note::default();
        let mut checked: Option<Checked> = None;
        let mut refused: Option<Refusal> = None;
        let mut out: Option<Result<T>> = None;
        let mut seen: Option<User> = None;
        // The checks and the work see one snapshot (a read) or run under the write lock (a
        // change), so a right taken away a moment ago is never missed half-way.
        let mut body = |tx: &dyn Tx, note: &mut Note| -> std::result::Result<(), StoreError> {
            let c = match self.checks(tx, &op, &mut seen)? {
                Ok(c) => c,
                Err(r) => {
                    refused = Some(r);
                    return Err(StoreError::Other("refused".into()));
                }
            };
            *note = Note {
                patient_id: c.patient.as_ref().map(|p| p.id),
                ..Default::default()
            };
            let mut cx = Cx {
                tx,
                store: db,
                patient: c.patient.as_ref(),
                note,
                now: &now,
            };
            let r = work(&mut cx);
            let failed = r.is_err();
            out = Some(r);
            if failed {
                return Err(StoreError::Other("the work failed".into()));
            }
            if op.kind == Kind::Write {
                let e = self.row(&op, note, &c.gate, &now);
                self.write_gate_rows(tx, &c.gate, &now)?;
                store::audit::append(tx, &e)?;
            }
            checked = Some(c);
            Ok(())
        };
        let r = match op.kind {
            Kind::Write => store::write_tx(db, Durability::Full, |tx| body(tx, &mut note)),
            Kind::Read | Kind::ReadDurable => store::read_tx(db, |tx| body(tx, &mut note)),
        };
        if let Some(u) = seen {
            self.actor.user = u;
        }
        if let Some(refusal) = refused {
            return Err(self.refuse(refusal));
        }
        if let Some(Err(e)) = out {
            return Err(e);
        }
        r?;
        let (Some(c), Some(Ok(value))) = (checked, out) else {
            return Err(StoreError::Other("the use case did not run".into()).into());
        };
        let gate = c.gate;
        if op.kind != Kind::Write && !(op.quiet && matches!(gate, Gate::Open)) {
            let e = self.row(&op, &note, &gate, &now);
            let durability = match (op.kind, &gate) {
                (Kind::Read, Gate::Open | Gate::Again) => Durability::Relaxed,
                _ => Durability::Full,
            };
            store::write_tx(db, durability, |tx| {
                self.write_gate_rows(tx, &gate, &now)?;
                store::audit::append(tx, &e)
            })
            .map_err(ServiceError::AuditFailed)?;
        }
        if let Gate::Broken { patient_id, .. } = gate {
            self.glass.insert(patient_id);
        }
        Ok(value)
    }

    /// The audit row of a use case that ran.
    fn row(&self, op: &Op<'_>, note: &Note, gate: &Gate, now: &str) -> AuditEvent {
        let mut e = self.event(op.action, note.patient_id, Outcome::Ok);
        e.at = now.to_string();
        e.object = note.object.clone();
        e.detail = note.detail.clone().or_else(|| gate.detail());
        e
    }

    /// Finds the patient a use case is about.
    fn resolve(&self, db: &dyn Tx, s: Subject<'_>) -> Result<Option<Patient>> {
        match s {
            Subject::None => Ok(None),
            Subject::Mrn { mrn, .. } => {
                let r = db
                    .query_row(
                        "SELECT id, restricted, employee, part2, deceased FROM patients WHERE mrn = ?",
                        crate::params![mrn.as_str()],
                    )?
                    .ok_or_else(|| ServiceError::NotFound(format!("the MRN {mrn}")))?;
                Ok(Some(Patient {
                    id: r.int(0)?,
                    mrn: mrn.clone(),
                    flags: flags(&r, 1)?,
                    part2_document: false,
                }))
            }
            Subject::Encounter(account) => {
                let r = db
                    .query_row(
                        "SELECT p.id, p.restricted, p.employee, p.part2, p.deceased, p.mrn \
                         FROM encounters e JOIN patients p ON p.id = e.patient_id \
                         WHERE e.account_number = ?",
                        crate::params![account],
                    )?
                    .ok_or_else(|| ServiceError::NotFound(format!("the account {account}")))?;
                Ok(Some(Patient {
                    id: r.int(0)?,
                    mrn: Mrn::parse(&r.text(5)?).map_err(|_| {
                        StoreError::Other("an encounter belongs to a bad MRN".into())
                    })?,
                    flags: flags(&r, 1)?,
                    part2_document: false,
                }))
            }
            Subject::Document(id) => {
                let r = db
                    .query_row(
                        "SELECT p.id, p.restricted, p.employee, p.part2, p.deceased, p.mrn, d.part2 \
                         FROM documents d JOIN patients p ON p.id = d.patient_id WHERE d.id = ?",
                        crate::params![id],
                    )?
                    .ok_or_else(|| ServiceError::NotFound(format!("document {id}")))?;
                Ok(Some(Patient {
                    id: r.int(0)?,
                    mrn: Mrn::parse(&r.text(5)?).map_err(|_| {
                        StoreError::Other(format!("document {id} belongs to a bad MRN"))
                    })?,
                    flags: flags(&r, 1)?,
                    part2_document: r.flag(6)?,
                }))
            }
        }
    }

    /// Runs work that changes something outside the store's transactions (a key file, a
    /// re-key of the whole file): after the rights and the permission are checked, a
    /// `started` row is written before the work, and an `ok` or `failed` row after it, so a
    /// process killed half-way still leaves a trace of what it began.
    pub(crate) fn run_outside<T>(
        &mut self,
        action: Action,
        need: Permission,
        object: Option<Object>,
        work: impl FnOnce(&Self) -> Result<T>,
    ) -> Result<T> {
        self.run_outside_noted(action, need, object, |svc| Ok((work(svc)?, None)))
    }

    /// As [`Service::run_outside`], where the work also says what the closing row's detail
    /// is (a restore: which rows it archived, and where).
    pub(crate) fn run_outside_noted<T>(
        &mut self,
        action: Action,
        need: Permission,
        object: Option<Object>,
        work: impl FnOnce(&mut Self) -> Result<(T, Option<String>)>,
    ) -> Result<T> {
        if self.session_locked {
            return Err(ServiceError::SessionLocked);
        }
        let rights = self.rights()?;
        self.actor.user = rights.user.clone();
        if !rights.allows(need) {
            return Err(self.deny(action, None, need));
        }
        let mut e = self.event(action, None, Outcome::Started);
        e.object = object;
        self.append(Durability::Full, &e)
            .map_err(ServiceError::AuditFailed)?;
        let r = work(self);
        let mut done = self.event(action, None, Outcome::Ok);
        done.object = e.object;
        let r = match r {
            Ok((v, detail)) => {
                done.detail = detail;
                Ok(v)
            }
            Err(err) => {
                done.outcome = Outcome::Failed;
                done.detail = Some(format!("exit={}", err.exit_code()));
                Err(err)
            }
        };
        self.append(Durability::Full, &done)
            .map_err(ServiceError::AuditFailed)?;
        r
    }

    /// Refuses and audits a use case the user's role may not run.
    pub(crate) fn deny(
        &self,
        action: Action,
        patient_id: Option<i64>,
        p: Permission,
    ) -> ServiceError {
        let mut e = self.event(action, patient_id, Outcome::Denied);
        e.detail = Some(format!("needs {p:?}"));
        if let Err(err) = self.append(Durability::Full, &e) {
            return ServiceError::AuditFailed(err);
        }
        ServiceError::Denied {
            role: self.actor.user.role.as_str(),
            what: p.describe(),
        }
    }

    /// Writes one audit row in its own transaction.
    pub(crate) fn append(
        &self,
        d: Durability,
        e: &AuditEvent,
    ) -> std::result::Result<i64, StoreError> {
        store::write_tx(self.db(), d, |tx| store::audit::append(tx, e))
    }
}

fn flags(r: &store::Row, at: usize) -> Result<PatientFlags> {
    Ok(PatientFlags {
        restricted: r.flag(at)?,
        employee: r.flag(at + 1)?,
        part2: r.flag(at + 2)?,
        deceased: r.flag(at + 3)?,
    })
}
