//! Reading and checking the audit trail: "who looked at my record", a user's activity, the
//! hash-chain check and its anchors.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::policy::SiteKey;
use crate::domain::{Action, Mrn, Object, Permission, Text};
use crate::store::{self, StoreError, audit::Anchor, audit::AuditEntry, audit::Verification};

use super::entry::{Kind, Op, Subject};
use super::{Result, Service, ServiceError};

/// "Who looked at this record" or "what did this user do".
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// `patient:MRN` or `user:NAME`.
    pub subject: Text,
    pub entries: Vec<AuditEntry>,
}

/// What `audit verify` found, with where the anchors came from.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    #[serde(flatten)]
    pub chain: Verification,
    pub anchor_file: Option<PathBuf>,
    /// Set when the anchor file is configured but missing or damaged.
    pub anchor_problem: Option<Text>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.chain.first_bad.is_none() && self.anchor_problem.is_none()
    }
}

impl Service {
    /// Every audit row about one patient, oldest first ("who looked at my record").
    /// Reading it is itself audited.
    pub fn audit_patient(&mut self, mrn: &str) -> Result<AuditReport> {
        let mrn = Mrn::parse(mrn)?;
        let op = Op::read(Action::AuditRead, Permission::ReadAudit).subject(Subject::Mrn {
            mrn: &mrn,
            gate: false,
        });
        self.run(op, |cx| {
            let pid = cx.patient.map(|p| p.id);
            cx.note.object = Some(Object::Patient(mrn.clone()));
            Ok(AuditReport {
                subject: Text::from(format!("patient:{mrn}")),
                entries: store::audit::entries(cx.tx, pid, None)?,
            })
        })
        .map_err(|e| match e {
            ServiceError::NotFound(_) => ServiceError::NotFound("that MRN".into()),
            e => e,
        })
    }

    /// Every audit row written by one chartroom user, oldest first.
    pub fn audit_user(&mut self, username: &str) -> Result<AuditReport> {
        let op = Op::read(Action::AuditRead, Permission::ReadAudit);
        let name = username.trim().to_string();
        self.run(op, |cx| {
            let u = store::users::by_username(cx.tx, &name)?
                .ok_or_else(|| ServiceError::NotFound(format!("the user \"{name}\"")))?;
            cx.note.object = Some(Object::User(u.username.raw().to_string()));
            Ok(AuditReport {
                subject: Text::from(format!("user:{}", u.username.raw())),
                entries: store::audit::entries(cx.tx, None, Some(u.id))?,
            })
        })
    }

    /// Checks the whole hash chain, and the chain against every anchor in `anchors` (default:
    /// the site's `audit_anchor_path`).
    pub fn audit_verify(&mut self, anchors: Option<&Path>) -> Result<VerifyReport> {
        let mut op = Op::read(Action::AuditVerify, Permission::ReadAudit);
        op.kind = Kind::ReadDurable;
        self.run(op, |cx| {
            let file = match anchors {
                Some(p) => Some(p.to_path_buf()),
                None => super::site::value(cx.tx, SiteKey::AuditAnchorPath)?.map(PathBuf::from),
            };
            let (list, anchor_problem) = match &file {
                None => (Vec::new(), None),
                Some(f) => read_anchors(f),
            };
            let chain = store::audit::verify(cx.tx, &list)?;
            let report = VerifyReport {
                chain,
                anchor_file: file,
                anchor_problem: anchor_problem.map(Text::from),
            };
            cx.note.detail = Some(format!(
                "rows={} anchors={} first_bad={} result={}",
                report.chain.rows,
                report.chain.anchors_checked,
                report.chain.first_bad.as_ref().map_or(0, |b| b.id),
                if report.ok() { "intact" } else { "failed" }
            ));
            Ok(report)
        })
    }

    /// Appends the chain head (id, row count, hash, time) to the site's anchor file, opened
    /// with O_APPEND. In production that file is root-owned and `chattr +a` (append-only), or
    /// the line goes to syslog: `chartroom audit anchor --print | logger -t chartroom-audit`.
    /// `require_file`: fail when no anchor file is configured (else only return the anchor,
    /// for the caller to print).
    pub fn audit_anchor(&mut self, require_file: bool) -> Result<Anchor> {
        let path = super::site::value(self.db(), SiteKey::AuditAnchorPath)?.map(PathBuf::from);
        if path.is_none() && require_file {
            return Err(ServiceError::Usage(
                "no anchor file is set; an administrator sets one with `chartroom site set audit_anchor_path /var/log/chartroom/anchors`, or use --print to send the line to syslog".into(),
            ));
        }
        // The anchor row itself is written first, so the anchored head includes it.
        let op = Op::write(Action::AuditAnchor, Permission::ReadAudit);
        self.run(op, |cx| {
            cx.note.object = path.as_ref().map(|p| Object::File(p.display().to_string()));
            Ok(())
        })?;
        let now = store::iso_utc(self.clock.now());
        let anchor = store::read_tx(self.db(), |tx| store::audit::current_anchor(tx, &now))?;
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
