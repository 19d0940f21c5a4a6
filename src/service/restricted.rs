//! Restricted records (restricted/VIP, employee, 42 CFR Part 2) and the user's own record.
//!
//! VistA's rule, which records staff expect: a restricted record shows a banner and
//! "Continue?" defaulting to No; going on needs a reason, every access is logged and the
//! privacy officer is told. The screens ask; this module enforces: without
//! `Access::BreakGlass { reason }` the service refuses with `ServiceError::Restricted`, and
//! with it writes a `break_glass` audit row and a `privacy_alerts` row in the same
//! transaction as the access itself. A user may never open their own record here.

use serde::Serialize;

use crate::domain::{Mrn, PatientFlags, Permission, clean_text};
use crate::params;
use crate::store::{self, StoreError};

use super::{Result, Service, ServiceError, action};

/// How a record is being opened.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Access {
    /// An ordinary open: refused for restricted records not yet opened this session.
    #[default]
    Normal,
    /// The user confirmed the warning and said why (break the glass).
    BreakGlass { reason: String },
}

/// One entry in the privacy officer's queue.
#[derive(Debug, Clone, Serialize)]
pub struct PrivacyAlert {
    pub id: i64,
    pub at: String,
    pub username: String,
    pub mrn: String,
    pub kinds: String,
    pub action: String,
    pub reason: String,
    pub audit_id: i64,
    pub reviewed_at: Option<String>,
    pub reviewed_by: Option<String>,
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

impl Service {
    pub(crate) fn patient_flags(&self, patient_id: i64) -> Result<PatientFlags> {
        let r = self
            .db()
            .query_row(
                "SELECT restricted, employee, part2, deceased FROM patients WHERE id = ?",
                params![patient_id],
            )?
            .ok_or_else(|| ServiceError::NotFound("the patient".into()))?;
        Ok(PatientFlags {
            restricted: r.flag(0),
            employee: r.flag(1),
            part2: r.flag(2),
            deceased: r.flag(3),
        })
    }

    /// The last gate before PHI of one patient leaves the service, after the permission
    /// check: refuses the user's own record, asks for a reason on a restricted one, and
    /// writes the access's audit row (with the break-the-glass row and alert when needed) in
    /// one transaction. Fails closed: if the rows cannot be written, nothing is returned.
    pub(crate) fn gate(
        &mut self,
        patient_id: i64,
        kinds: &[&'static str],
        what: &'static str,
        object: String,
        access: &Access,
    ) -> Result<()> {
        let mut e = self.event(what, Some(patient_id), "ok");
        e.object = Some(object);
        if self.actor.user.patient_id == Some(patient_id) {
            e.outcome = "denied";
            e.detail = Some("reason=own_record".into());
            self.audit(&e)?;
            return Err(ServiceError::OwnRecord);
        }
        if kinds.is_empty() || self.glass.contains(&patient_id) {
            if !kinds.is_empty() {
                e.detail = Some("glass_broken_this_session".into());
            }
            return self.audit_read(&e);
        }
        let kinds_s = kinds.join(",");
        let reason = match access {
            Access::BreakGlass { reason } => clean_text(
                "reason for opening this restricted record",
                reason,
                500,
                false,
            )?,
            Access::Normal => None,
        };
        let Some(reason) = reason else {
            e.outcome = "reason_required";
            e.detail = Some(format!("kinds={kinds_s}"));
            self.audit(&e)?;
            return Err(ServiceError::Restricted { kinds: kinds_s });
        };
        let mut glass = self.event(action::BREAK_GLASS, Some(patient_id), "ok");
        glass.object = e.object.clone();
        glass.detail = Some(
            serde_json::json!({"kinds": kinds_s, "opening": what, "reason": reason}).to_string(),
        );
        e.detail = Some("break_glass".into());
        let (uid, uname) = (self.actor.user.id, self.actor.user.username.clone());
        store::write_tx(self.db(), |db| {
            let audit_id = store::audit::append(db, &glass)?;
            db.execute(
                "INSERT INTO privacy_alerts (at, user_id, username, patient_id, kinds, action, reason, audit_id) \
                 VALUES (?,?,?,?,?,?,?,?)",
                params![glass.at.as_str(), uid, uname.as_str(), patient_id, kinds_s.as_str(), what, reason.as_str(), audit_id],
            )?;
            store::audit::append(db, &e).map(|_| ())
        })
        .map_err(ServiceError::AuditFailed)?;
        self.glass.insert(patient_id);
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
        let p = store::patients::by_mrn(self.db(), &mrn)?
            .ok_or_else(|| ServiceError::NotFound("that MRN".into()))?;
        self.require(Permission::RevealSsn, action::SSN_REVEAL, Some(p.id))?;
        let kinds = sensitive_kinds(&p.flags, false);
        self.gate(
            p.id,
            &kinds,
            action::SSN_REVEAL,
            format!("patient:{mrn}"),
            access,
        )?;
        Ok(p.ssn.as_ref().map(|s| s.formatted()))
    }

    /// The privacy officer's queue: break-the-glass accesses, newest first (`open_only`: not
    /// yet reviewed). Reading it is audited.
    pub fn privacy_alerts(&mut self, open_only: bool) -> Result<Vec<PrivacyAlert>> {
        self.require(Permission::ReadAudit, action::ALERTS_READ, None)?;
        let sql = format!(
            "SELECT a.id, a.at, a.username, p.mrn, a.kinds, a.action, a.reason, a.audit_id, a.reviewed_at, \
             a.reviewed_by FROM privacy_alerts a JOIN patients p ON p.id = a.patient_id {} ORDER BY a.id DESC",
            if open_only {
                "WHERE a.reviewed_at IS NULL"
            } else {
                ""
            }
        );
        let alerts: Vec<PrivacyAlert> = self
            .db()
            .query(&sql, &[])?
            .into_iter()
            .map(|r| PrivacyAlert {
                id: r.int(0),
                at: r.text(1),
                username: r.text(2),
                mrn: r.text(3),
                kinds: r.text(4),
                action: r.text(5),
                reason: r.text(6),
                audit_id: r.int(7),
                reviewed_at: r.opt_text(8),
                reviewed_by: r.opt_text(9),
            })
            .collect();
        let mut e = self.event(action::ALERTS_READ, None, "ok");
        e.detail = Some(format!("results={}", alerts.len()));
        self.audit(&e)?;
        Ok(alerts)
    }

    /// Marks an alert reviewed (audited).
    pub fn review_alert(&mut self, id: i64) -> Result<()> {
        self.require(Permission::ReadAudit, action::ALERT_REVIEW, None)?;
        let now = store::iso_utc(self.clock.now());
        let mut e = self.event(action::ALERT_REVIEW, None, "ok");
        e.object = Some(format!("alert:{id}"));
        let name = self.actor.user.username.clone();
        store::write_tx(self.db(), |db| {
            let n = db.execute(
                "UPDATE privacy_alerts SET reviewed_at = ?, reviewed_by = ?, version = version + 1 \
                 WHERE id = ? AND reviewed_at IS NULL",
                params![now.as_str(), name.as_str(), id],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("an open alert {id}")));
            }
            store::audit::append(db, &e).map(|_| ())
        })
        .map_err(|e| match e {
            StoreError::NotFound(w) => ServiceError::NotFound(w),
            o => ServiceError::Store(o),
        })
    }
}
