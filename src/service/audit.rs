//! Reading and checking the audit trail: "who looked at my record", a user's activity, the
//! hash-chain check and its anchors.

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::{Action, Mrn, Object, Permission, Text};
use crate::store::audit::{Anchor, AnchorLine, AuditEntry, Verification};
use crate::store::{self, StoreError};

use super::entry::{Kind, Op, Subject};
use super::{Result, Service, ServiceError};

/// "Who looked at this record" or "what did this user do".
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditReport {
    /// `patient:MRN` or `user:NAME`.
    pub subject: Text,
    pub entries: Vec<AuditEntry>,
}

/// An anchor file: its lines as read (or why they could not be), the text of each archive a
/// restore marker in it names, and, when it was opened for appending, the open file. On a
/// shared server it is read and opened while the process still holds the store's group,
/// before it drops it (see `shared.rs`); elsewhere it is read when a command needs it.
#[derive(Debug)]
pub struct AnchorLog {
    pub path: PathBuf,
    lines: std::result::Result<(Vec<AnchorLine>, Option<String>), String>,
    archives: HashMap<String, std::result::Result<String, String>>,
    append: Option<std::fs::File>,
}

impl AnchorLog {
    /// Reads the anchor file at `path` and every archive its restore markers name.
    pub fn read(path: &Path) -> AnchorLog {
        Self::load(path, None)
    }

    /// Opens `path` for appending (creating it, mode 0640, when missing) and reads it.
    pub fn open(path: &Path) -> AnchorLog {
        let f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o640)
            .open(path);
        match f {
            Ok(f) => Self::load(path, Some(f)),
            Err(e) => {
                let mut log = Self::load(path, None);
                if log.lines.is_ok() {
                    log.lines = Err(format!(
                        "cannot add to the anchor file {}: {e}",
                        path.display()
                    ));
                }
                log
            }
        }
    }

    fn load(path: &Path, append: Option<std::fs::File>) -> AnchorLog {
        let lines = match std::fs::read_to_string(path) {
            Ok(t) => Ok(store::audit::parse_log(&t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
                "the anchor file {} does not exist; it was moved or deleted, or no anchor was written yet (`chartroom audit anchor`)",
                path.display()
            )),
            Err(e) => Err(format!(
                "cannot read the anchor file {}: {e}",
                path.display()
            )),
        };
        let mut archives = HashMap::new();
        if let Ok((l, _)) = &lines {
            for line in l {
                if let AnchorLine::Restore(m) = line {
                    let text = std::fs::read_to_string(&m.archive)
                        .map_err(|e| format!("the archive {} cannot be read ({e})", m.archive));
                    archives.insert(m.archive.clone(), text);
                }
            }
        }
        AnchorLog {
            path: path.to_path_buf(),
            lines,
            archives,
            append,
        }
    }

    /// The anchors and restore markers read (none when the file could not be read).
    pub fn lines(&self) -> Vec<AnchorLine> {
        match &self.lines {
            Ok((l, _)) => l.clone(),
            Err(_) => Vec::new(),
        }
    }

    /// The archives the restore markers name, as read.
    pub fn archives(&self) -> &HashMap<String, std::result::Result<String, String>> {
        &self.archives
    }

    /// Adds one line (an anchor or a restore marker) and syncs it to disk.
    pub fn append_line(&mut self, line: &str) -> Result<()> {
        let fail = |e: std::io::Error, p: &Path| {
            ServiceError::Store(StoreError::CannotCreate {
                path: p.to_path_buf(),
                reason: e.to_string(),
            })
        };
        if self.append.is_none() {
            let f = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o640)
                .open(&self.path)
                .map_err(|e| fail(e, &self.path))?;
            self.append = Some(f);
        }
        let f = self.append.as_mut().expect("opened above");
        f.write_all(format!("{line}\n").as_bytes())
            .and_then(|_| f.sync_data())
            .map_err(|e| fail(e, &self.path))
    }
}

/// What `audit verify` found, with where the anchors came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerifyReport {
    #[serde(flatten)]
    pub chain: Verification,
    pub anchor_file: Option<PathBuf>,
    /// Set when the anchor file is configured but missing or damaged.
    pub anchor_problem: Option<Text>,
    /// Whether at least one anchor was checked; without one, a rewrite of the whole trail
    /// would pass.
    pub anchored: bool,
}

impl VerifyReport {
    /// The chain is intact and the anchors read (exit 0, or 7 when no anchor was checked).
    pub fn ok(&self) -> bool {
        self.chain.first_bad.is_none()
            && self.anchor_problem.is_none()
            && self.chain.guards_missing.is_empty()
    }

    /// The exit code `audit verify` ends with: 0 intact and anchored, 7 intact but not
    /// anchored, 3 anything wrong.
    pub fn exit_code(&self) -> i32 {
        match (self.ok(), self.anchored) {
            (false, _) => 3,
            (true, false) => 7,
            (true, true) => 0,
        }
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

    /// Checks the whole hash chain, and the chain against every anchor and restore marker
    /// in `anchors` (none: the chain alone, which cannot tell a rewrite of the whole trail).
    pub fn audit_verify(&mut self, anchors: Option<&AnchorLog>) -> Result<VerifyReport> {
        let mut op = Op::read(Action::AuditVerify, Permission::ReadAudit);
        op.kind = Kind::ReadDurable;
        let empty = HashMap::new();
        let (lines, archives, anchor_problem): (&[AnchorLine], _, Option<String>) = match anchors {
            None => (&[], &empty, None),
            Some(log) => match &log.lines {
                Ok((l, p)) => (l.as_slice(), &log.archives, p.clone()),
                Err(e) => (&[], &empty, Some(e.clone())),
            },
        };
        self.run(op, |cx| {
            let chain = store::audit::verify_log(cx.tx, lines, archives)?;
            let report = VerifyReport {
                anchored: chain.anchors_checked > 0,
                chain,
                anchor_file: anchors.map(|a| a.path.clone()),
                anchor_problem: anchor_problem.clone().map(Text::from),
            };
            cx.note.detail = Some(format!(
                "rows={} anchors={} first_bad={} result={}",
                report.chain.rows,
                report.chain.anchors_checked,
                report.chain.first_bad.as_ref().map_or(0, |b| b.id),
                match report.exit_code() {
                    0 => "intact",
                    7 => "not_anchored",
                    _ => "failed",
                }
            ));
            Ok(report)
        })
    }

    /// Appends the chain head (id, row count, hash, time) to `anchors`, the append-only file
    /// the system config names (root-owned and `chattr +a` in production), or only returns
    /// it (`None`: for `--print | logger -t chartroom-audit`).
    pub fn audit_anchor(&mut self, anchors: Option<&mut AnchorLog>) -> Result<Anchor> {
        let object = anchors
            .as_ref()
            .map(|a| Object::File(a.path.display().to_string()));
        // The anchor row itself is written first, so the anchored head includes it.
        let op = Op::write(Action::AuditAnchor, Permission::ReadAudit);
        self.run(op, |cx| {
            cx.note.object = object.clone();
            Ok(())
        })?;
        let now = store::iso_utc(self.clock.now());
        let anchor = store::read_tx(self.db(), |tx| store::audit::current_anchor(tx, &now))?;
        if let Some(log) = anchors {
            log.append_line(&anchor.to_line())?;
        }
        Ok(anchor)
    }
}
