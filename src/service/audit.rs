//! Reading and checking the audit trail: "who looked at my record", a user's activity, the
//! hash-chain check and its anchors.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::policy::SiteKey;
use crate::domain::{Mrn, Permission};
use crate::store::{self, StoreError, audit::Anchor, audit::AuditEntry, audit::Verification};

use super::{Result, Service, ServiceError};

/// The names of audited events (the `action` column). Export, disclosure and merge are named
/// here for the features that will write them.
pub mod action {
    pub const LOGIN: &str = "login";
    pub const LOGOUT: &str = "logout";
    pub const LOGIN_REFUSED: &str = "login_refused";
    pub const LOCK: &str = "lock";
    pub const UNLOCK: &str = "unlock";
    pub const FAILED_UNLOCK: &str = "failed_unlock";
    pub const ACCOUNT_LOCKED: &str = "account_locked";
    pub const SEARCH: &str = "search";
    pub const CHART_OPEN: &str = "chart_open";
    pub const DOCUMENT_OPEN: &str = "document_open";
    pub const SSN_REVEAL: &str = "ssn_reveal";
    pub const BREAK_GLASS: &str = "break_glass";
    pub const PATIENT_CREATE: &str = "patient_create";
    pub const PATIENT_UPDATE: &str = "patient_update";
    pub const EXPORT: &str = "export";
    pub const DISCLOSURE: &str = "disclosure";
    pub const MERGE: &str = "merge";
    pub const USER_CREATE: &str = "user_create";
    pub const USER_UPDATE: &str = "user_update";
    pub const USER_LIST: &str = "user_list";
    pub const USER_UNLOCK: &str = "user_unlock";
    pub const PASSWORD_CHANGE: &str = "password_change";
    pub const ROLE_CHANGE: &str = "role_change";
    pub const SITE_SHOW: &str = "site_show";
    pub const SITE_SETTING_CHANGE: &str = "site_setting_change";
    pub const AUDIT_READ: &str = "audit_read";
    pub const AUDIT_VERIFY: &str = "audit_verify";
    pub const AUDIT_ANCHOR: &str = "audit_anchor";
    pub const ALERTS_READ: &str = "alerts_read";
    pub const ALERT_REVIEW: &str = "alert_review";
}

/// "Who looked at this record" or "what did this user do".
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// `patient:MRN` or `user:NAME`.
    pub subject: String,
    pub entries: Vec<AuditEntry>,
}

/// What `audit verify` found, with where the anchors came from.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    #[serde(flatten)]
    pub chain: Verification,
    pub anchor_file: Option<PathBuf>,
    /// Set when the anchor file is configured but missing or damaged.
    pub anchor_problem: Option<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.chain.first_bad.is_none() && self.anchor_problem.is_none()
    }
}

/// How the row recording a PHI *read* is committed (see [`Service::audit_read`]).
const READ_AUDIT_SYNC: &str = "NORMAL";

impl Service {
    /// Writes the audit row of a read (search, chart, document, SSN, audit report) before the
    /// data is returned; if it cannot be written the read is refused (fail closed).
    ///
    /// Durability trade-off, measured in `benches/audit.rs`: with `synchronous = FULL` every
    /// chart open waits for an fsync of the WAL (about 3 ms on the development VM's disk,
    /// against a 1 ms budget per chart open). Read rows are therefore committed with
    /// `synchronous = NORMAL`: the row is in the WAL, in the OS, before the data is shown, so
    /// it survives the process being killed or crashing; only an OS crash or power cut in the
    /// moments before the next fsync (any edit, security event or checkpoint) could lose the
    /// newest read rows. Edits, denials, break-the-glass, logins, locks, password and user
    /// changes stay `FULL`. Set `READ_AUDIT_SYNC` to "FULL" to trade the speed back.
    pub(crate) fn audit_read(&self, e: &crate::store::audit::AuditEvent) -> Result<()> {
        let file = self.db().backend_name() == "file" && READ_AUDIT_SYNC != "FULL";
        if file {
            self.db()
                .execute_batch(&format!("PRAGMA synchronous = {READ_AUDIT_SYNC}"))
                .map_err(ServiceError::AuditFailed)?;
        }
        let r = store::write_tx(self.db(), |db| store::audit::append(db, e).map(|_| ()))
            .map_err(ServiceError::AuditFailed);
        if file {
            // Back to FULL for everything else; if even that fails, say so rather than go on.
            self.db()
                .execute_batch("PRAGMA synchronous = FULL")
                .map_err(ServiceError::AuditFailed)?;
        }
        r
    }

    /// Every audit row about one patient, oldest first ("who looked at my record").
    /// Reading it is itself audited.
    pub fn audit_patient(&mut self, mrn: &str) -> Result<AuditReport> {
        let mrn = Mrn::parse(mrn)?;
        self.require(Permission::ReadAudit, action::AUDIT_READ, None)?;
        let p = store::patients::by_mrn(self.db(), &mrn)?
            .ok_or_else(|| ServiceError::NotFound("that MRN".into()))?;
        let entries = store::audit::entries(self.db(), Some(p.id), None)?;
        let mut e = self.event(action::AUDIT_READ, Some(p.id), "ok");
        e.object = Some(format!("patient:{mrn}"));
        self.audit_read(&e)?;
        Ok(AuditReport {
            subject: format!("patient:{mrn}"),
            entries,
        })
    }

    /// Every audit row written by one chartroom user, oldest first.
    pub fn audit_user(&mut self, username: &str) -> Result<AuditReport> {
        self.require(Permission::ReadAudit, action::AUDIT_READ, None)?;
        let u = store::users::by_username(self.db(), username.trim())?
            .ok_or_else(|| ServiceError::NotFound(format!("the user \"{}\"", username.trim())))?;
        let entries = store::audit::entries(self.db(), None, Some(u.id))?;
        let mut e = self.event(action::AUDIT_READ, None, "ok");
        e.object = Some(format!("user:{}", u.username));
        self.audit_read(&e)?;
        Ok(AuditReport {
            subject: format!("user:{}", u.username),
            entries,
        })
    }

    /// Checks the whole hash chain, and the chain against every anchor in `anchors` (default:
    /// the site's `audit_anchor_path`).
    pub fn audit_verify(&mut self, anchors: Option<&Path>) -> Result<VerifyReport> {
        self.require(Permission::ReadAudit, action::AUDIT_VERIFY, None)?;
        let file = match anchors {
            Some(p) => Some(p.to_path_buf()),
            None => self
                .site_value(SiteKey::AuditAnchorPath)?
                .map(PathBuf::from),
        };
        let (list, anchor_problem) = match &file {
            None => (Vec::new(), None),
            Some(f) => read_anchors(f),
        };
        let chain = store::read_tx(self.db(), |db| store::audit::verify(db, &list))?;
        let report = VerifyReport {
            chain,
            anchor_file: file,
            anchor_problem,
        };
        let mut e = self.event(
            action::AUDIT_VERIFY,
            None,
            if report.ok() { "ok" } else { "failed" },
        );
        e.detail = Some(format!(
            "rows={} anchors={} first_bad={}",
            report.chain.rows,
            report.chain.anchors_checked,
            report.chain.first_bad.as_ref().map_or(0, |b| b.id)
        ));
        self.audit(&e)?;
        Ok(report)
    }

    /// Appends the chain head (id, row count, hash, time) to the site's anchor file, opened
    /// with O_APPEND. In production that file is root-owned and `chattr +a` (append-only), or
    /// the line goes to syslog: `chartroom audit anchor --print | logger -t chartroom-audit`.
    /// `require_file`: fail when no anchor file is configured (else only return the anchor,
    /// for the caller to print).
    pub fn audit_anchor(&mut self, require_file: bool) -> Result<Anchor> {
        self.require(Permission::ReadAudit, action::AUDIT_ANCHOR, None)?;
        let path = self
            .site_value(SiteKey::AuditAnchorPath)?
            .map(PathBuf::from);
        if path.is_none() && require_file {
            return Err(ServiceError::Usage(
                "no anchor file is set; an administrator sets one with `chartroom site set audit_anchor_path /var/log/chartroom/anchors`, or use --print to send the line to syslog".into(),
            ));
        }
        let now = store::iso_utc(self.clock.now());
        // The anchor row itself is written first, so the anchored head includes it.
        let mut e = self.event(action::AUDIT_ANCHOR, None, "ok");
        e.object = path.as_ref().map(|p| format!("file:{}", p.display()));
        self.audit(&e)?;
        let anchor = store::read_tx(self.db(), |db| store::audit::current_anchor(db, &now))?;
        if let Some(p) = &path {
            append_line(p, &anchor.to_line()).map_err(|e| {
                ServiceError::Store(StoreError::CannotCreate {
                    path: p.clone(),
                    reason: e.to_string(),
                })
            })?;
        }
        Ok(anchor)
    }
}

fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o640)
        .open(path)?;
    f.write_all(format!("{line}\n").as_bytes())?;
    f.sync_data()
}

/// The anchors in a file; a missing file or a damaged line is reported, not ignored.
fn read_anchors(path: &Path) -> (Vec<Anchor>, Option<String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return (
                Vec::new(),
                Some(format!(
                    "the anchor file {} does not exist yet; run `chartroom audit anchor`",
                    path.display()
                )),
            );
        }
        Err(e) => {
            return (
                Vec::new(),
                Some(format!(
                    "cannot read the anchor file {}: {e}",
                    path.display()
                )),
            );
        }
    };
    let mut out = Vec::new();
    let mut problem = None;
    for line in text.lines() {
        match Anchor::parse_line(line) {
            Some(Ok(a)) => out.push(a),
            Some(Err(e)) => {
                problem.get_or_insert(e);
            }
            None => {}
        }
    }
    (out, problem)
}
