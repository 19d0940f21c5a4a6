//! Restricted records (restricted/VIP, employee, 42 CFR Part 2) and the user's own record.
//!
//! VistA's rule, which records staff expect: a restricted record shows a banner and
//! "Continue?" defaulting to No; going on needs a reason, every access is logged and the
//! privacy officer is told. The screens ask; this module enforces, from the entry point
//! (`entry.rs`): without `Access::BreakGlass { reason }` the service refuses with
//! `ServiceError::Restricted`; with it (and the break-the-glass grant) it writes a
//! `break_glass` audit row and a `privacy_alerts` row in the same transaction as the access
//! row. A user may never open their own record here.

use serde::{Deserialize, Serialize};

use crate::domain::{Action, Mrn, Object, Outcome, PatientFlags, Permission, Text, clean_text};
use crate::params;
use crate::store::{self, StoreError, Tx, rights::Rights};

use super::entry::{Op, Patient, Refusal, Subject};
use super::{Result, Service, ServiceError};

/// How a record is being opened.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Access {
    /// An ordinary open: refused for restricted records not yet opened this session.
    #[default]
    Normal,
    /// The user confirmed the warning and said why (break the glass).
    BreakGlass { reason: String },
}

/// One entry in the privacy officer's queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrivacyAlert {
    pub id: i64,
    pub at: Text,
    pub username: Text,
    pub mrn: Text,
    pub kinds: Text,
    pub action: Text,
    pub reason: Text,
    pub audit_id: i64,
    pub reviewed_at: Option<Text>,
    pub reviewed_by: Option<Text>,
}

/// The reasons a record needs the glass broken; empty when it does not.
pub(crate) fn sensitive_kinds(f: &PatientFlags, part2_document: bool) -> Vec<&'static str> {
    let mut k = Vec::new();
    if f.restricted {
        k.push("restricted");
    }
    if f.employee {
        k.push("employee");
    }
    if f.part2 || part2_document {
        k.push("part2");
    }
    k
}

/// What the gate decided for an access that may go on.
#[derive(Debug, Clone)]
pub(crate) enum Gate {
    /// Not a restricted record.
    Open,
    /// Restricted, and this session already broke the glass for it.
    Again,
    /// Restricted, opened now with a reason: the break-the-glass row and the alert are
    /// written with the access row.
    Broken {
        patient_id: i64,
        mrn: Mrn,
        kinds: String,
        opening: Action,
        reason: String,
    },
}

impl Gate {
    /// What the access row's detail says about the gate.
    pub(crate) fn detail(&self) -> Option<String> {
        match self {
            Gate::Open => None,
            Gate::Again => Some("glass_broken_this_session".into()),
            Gate::Broken { .. } => Some("break_glass".into()),
        }
    }
}

impl Service {
    /// The last gate before PHI of one patient leaves the service, after the permission
    /// check: refuses the user's own record and asks for a reason on a restricted one (the
    /// entry point audits both refusals, failing closed when it cannot).
    pub(crate) fn gate(
        &self,
        rights: &Rights,
        action: Action,
        p: &Patient,
        kinds: &[&'static str],
        access: &Access,
    ) -> std::result::Result<Gate, Refusal> {
        let refuse = |outcome: Outcome, detail: String, err: ServiceError| Refusal::Gate {
            action,
            patient_id: p.id,
            mrn: p.mrn.clone(),
            outcome,
            detail,
            err,
        };
        if rights.user.patient_id == Some(p.id) {
            return Err(refuse(
                Outcome::Denied,
                "reason=own_record".into(),
                ServiceError::OwnRecord,
            ));
        }
        if kinds.is_empty() {
            return Ok(Gate::Open);
        }
        if self.glass.contains(&p.id) {
            return Ok(Gate::Again);
        }
        let kinds_s = kinds.join(",");
        let reason = match access {
            Access::BreakGlass { reason } => clean_text(
                "reason for opening this restricted record",
                reason,
                500,
                false,
            )
            .map_err(|e| Refusal::Plain(e.into()))?,
            Access::Normal => None,
        };
        let Some(reason) = reason else {
            return Err(refuse(
                Outcome::ReasonRequired,
                format!("kinds={kinds_s}"),
                ServiceError::Restricted { kinds: kinds_s },
            ));
        };
        if !rights.allows(Permission::BreakGlass) {
            return Err(Refusal::Denied {
                action,
                patient_id: Some(p.id),
                need: Permission::BreakGlass,
            });
        }
        Ok(Gate::Broken {
            patient_id: p.id,
            mrn: p.mrn.clone(),
            kinds: kinds_s,
            opening: action,
            reason,
        })
    }

    /// The break-the-glass row and the privacy officer's alert, inside the access's
    /// transaction (nothing for an ordinary access).
    pub(crate) fn write_gate_rows(
        &self,
        tx: &dyn Tx,
        gate: &Gate,
        now: &str,
    ) -> std::result::Result<(), StoreError> {
        let Gate::Broken {
            patient_id,
            mrn,
            kinds,
            opening,
            reason,
        } = gate
        else {
            return Ok(());
        };
        let mut glass = self.event(Action::BreakGlass, Some(*patient_id), Outcome::Ok);
        glass.at = now.to_string();
        glass.object = Some(Object::Patient(mrn.clone()));
        glass.detail = Some(
            serde_json::json!({"kinds": kinds, "opening": opening.as_str(), "reason": reason})
                .to_string(),
        );
        let audit_id = store::audit::append(tx, &glass)?;
        let u = &self.actor.user;
        tx.execute(
            "INSERT INTO privacy_alerts (at, user_id, username, patient_id, kinds, action, reason, audit_id) \
             VALUES (?,?,?,?,?,?,?,?)",
            params![now, u.id, u.username.raw(), *patient_id, kinds.as_str(), opening.as_str(), reason.as_str(), audit_id],
        )?;
        Ok(())
    }

    /// Whether this session has already broken the glass for a patient (the TUI can skip
    /// its "Continue?" prompt when true).
    pub fn glass_broken(&self, patient_id: i64) -> bool {
        self.glass.contains(&patient_id)
    }

    /// The full SSN (`123-45-6789`), for users with the reveal permission; audited as
    /// `ssn_reveal`. `None` when none is on file.
    pub fn reveal_ssn(&mut self, mrn: &str) -> Result<Option<String>> {
        self.reveal_ssn_with(mrn, &Access::Normal)
    }

    pub fn reveal_ssn_with(&mut self, mrn: &str, access: &Access) -> Result<Option<String>> {
        let mrn = Mrn::parse(mrn)?;
        let op = Op::read(Action::SsnReveal, Permission::RevealSsn)
            .subject(Subject::Mrn {
                mrn: &mrn,
                gate: true,
            })
            .access(access);
        self.run(op, |cx| {
            cx.note.object = Some(Object::Patient(mrn.clone()));
            let p = store::patients::by_mrn(cx.tx, &mrn)?
                .ok_or_else(|| ServiceError::NotFound("that MRN".into()))?;
            Ok(p.ssn.as_ref().map(|s| s.formatted()))
        })
    }

    /// The privacy officer's queue: break-the-glass accesses, newest first (`open_only`: not
    /// yet reviewed). Reading it is audited.
    pub fn privacy_alerts(&mut self, open_only: bool) -> Result<Vec<PrivacyAlert>> {
        let op = Op::read(Action::AlertsRead, Permission::ReadAudit);
        self.run(op, |cx| {
            let sql = format!(
                "SELECT a.id, a.at, a.username, p.mrn, a.kinds, a.action, a.reason, a.audit_id, \
                 a.reviewed_at, a.reviewed_by FROM privacy_alerts a JOIN patients p ON p.id = a.patient_id \
                 {} ORDER BY a.id DESC",
                if open_only {
                    "WHERE a.reviewed_at IS NULL"
                } else {
                    ""
                }
            );
            let alerts = cx
                .tx
                .query(&sql, &[])?
                .into_iter()
                .map(|r| {
                    Ok(PrivacyAlert {
                        id: r.int(0)?,
                        at: r.data(1)?,
                        username: r.data(2)?,
                        mrn: r.data(3)?,
                        kinds: r.data(4)?,
                        action: r.data(5)?,
                        reason: r.data(6)?,
                        audit_id: r.int(7)?,
                        reviewed_at: r.opt_data(8)?,
                        reviewed_by: r.opt_data(9)?,
                    })
                })
                .collect::<std::result::Result<Vec<_>, StoreError>>()?;
            cx.note.detail = Some(format!("results={}", alerts.len()));
            Ok(alerts)
        })
    }

    /// Marks an alert reviewed (audited).
    pub fn review_alert(&mut self, id: i64) -> Result<()> {
        let op = Op::write(Action::AlertReview, Permission::ReadAudit);
        let name = self.actor.user.username.clone();
        self.run(op, |cx| {
            cx.note.object = Some(Object::Alert(id));
            let n = cx.tx.execute(
                "UPDATE privacy_alerts SET reviewed_at = ?, reviewed_by = ?, version = version + 1 \
                 WHERE id = ? AND reviewed_at IS NULL",
                params![cx.now, name.raw(), id],
            )?;
            if n.rows == 0 {
                return Err(ServiceError::NotFound(format!("an open alert {id}")));
            }
            Ok(())
        })
    }

    /// Opens a reviewed alert again, saying why (audited, the reason in the row's detail).
    pub fn unreview_alert(&mut self, id: i64, reason: &str) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::Usage(
                "say why the alert is opened again (a reason is needed)".into(),
            ));
        }
        let op = Op::write(Action::AlertUnreview, Permission::ReadAudit);
        self.run(op, |cx| {
            cx.note.object = Some(Object::Alert(id));
            cx.note.detail = Some(format!("reason={reason}"));
            let n = cx.tx.execute(
                "UPDATE privacy_alerts SET reviewed_at = NULL, reviewed_by = NULL, version = version + 1 \
                 WHERE id = ? AND reviewed_at IS NOT NULL",
                params![id],
            )?;
            if n.rows == 0 {
                return Err(ServiceError::NotFound(format!("a reviewed alert {id}")));
            }
            Ok(())
        })
    }
}
