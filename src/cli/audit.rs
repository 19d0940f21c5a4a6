//! `chartroom audit verify|anchor|patient|user` and `chartroom alerts`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use crate::domain::Text;
use crate::service::Location;
use crate::service::audit::{AnchorLog, VerifyReport};
use crate::service::{AuditReport, ServiceError, shared};

use super::{Outcome, cell, json, open, or_dash};

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the audit trail's hash chain and its anchors; names the first bad row.
    Verify {
        /// Check against the anchors in this file (for example lines taken from syslog)
        /// instead of the system config's audit_anchors.
        #[arg(long, value_name = "FILE")]
        anchors: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Append the chain head to the anchor file (audit_anchors in the system config; run it
    /// from cron, every 5 minutes). In production the file is root-owned and append-only
    /// (`chattr +a`), or use `chartroom audit anchor --print | logger -t chartroom-audit`.
    Anchor {
        /// Also print the anchor line (and do not fail when no anchor file is set).
        #[arg(long)]
        print: bool,
        /// Append to this file instead of the system config's audit_anchors.
        #[arg(long, value_name = "FILE")]
        anchors: Option<PathBuf>,
    },
    /// Who looked at a patient's record: every audit row about it.
    Patient {
        mrn: String,
        #[arg(long)]
        json: bool,
    },
    /// What one chartroom user did.
    User {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// Include alerts already reviewed.
    #[arg(long)]
    pub all: bool,
    /// Mark this alert reviewed.
    #[arg(long, value_name = "ID")]
    pub review: Option<i64>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

fn print_report(r: &AuditReport, json: bool) -> Outcome {
    if json {
        outln!("{}", json::pretty(r))?;
        return Ok(0);
    }
    outln!("Audit trail for {} ({} rows)", r.subject, r.entries.len())?;
    for e in &r.entries {
        outln!(
            "{} {} {} {} {} {} {}",
            cell(e.id, 7),
            cell(&e.at, 20),
            cell(&e.username, 12),
            cell(&e.action, 15),
            cell(&e.outcome, 15),
            cell(or_dash(&e.origin), 18),
            e.object.clone().unwrap_or_default()
        )?;
    }
    Ok(0)
}

/// The anchor file to use: `--anchors FILE`, else the system config's `audit_anchors`
/// (never a setting in the store, which the people the trail watches may be able to write).
fn anchor_log(flag: Option<&Path>, append: bool) -> Result<Option<AnchorLog>, ServiceError> {
    if let Some(p) = flag {
        shared::check_user_path(p)?;
        return Ok(Some(if append {
            AnchorLog::open(p)
        } else {
            AnchorLog::read(p)
        }));
    }
    if let Some(log) = shared::take_anchor_log() {
        return Ok(Some(log));
    }
    Ok(super::system()?.audit_anchors.as_deref().map(|p| {
        if append {
            AnchorLog::open(p)
        } else {
            AnchorLog::read(p)
        }
    }))
}

fn print_verify(r: &VerifyReport) -> Outcome {
    match &r.anchor_file {
        Some(f) => outln!(
            "Checked {} audit rows (head {}) against {} anchor(s) in {}.",
            r.chain.rows,
            r.chain.head_id,
            r.chain.anchors_checked,
            Text::from(f.display().to_string())
        )?,
        None => outln!(
            "Checked {} audit rows (head {}); no anchor file is configured.",
            r.chain.rows,
            r.chain.head_id
        )?,
    }
    for x in &r.chain.restores {
        outln!(
            "Restored at {}: the store went back to row {}; rows {} to {} of the replaced trail are archived at {} ({} anchor(s) checked against the archive).",
            x.at,
            x.head,
            x.head + 1,
            x.replaced_head,
            x.archive,
            x.anchors_checked
        )?;
    }
    if let Some(p) = &r.anchor_problem {
        outln!("problem: {p}")?;
    }
    if !r.chain.guards_missing.is_empty() {
        outln!(
            "problem: the triggers that guard the trail were removed from the store ({}): someone changed the store behind chartroom's back; call your privacy officer",
            r.chain.guards_missing.join(", ")
        )?;
    }
    match &r.chain.first_bad {
        Some(b) => outln!("TAMPERED: first bad row {}: {}", b.id, b.reason)?,
        None if !r.ok() => {
            outln!("The audit trail could not be confirmed: see the problem above.")?
        }
        None => {
            if let Some(n) = r.chain.newest_anchor
                && n < r.chain.head_id
            {
                outln!(
                    "Rows {} to {} are newer than the newest anchor: only the chain vouches for them until the next `chartroom audit anchor`.",
                    n + 1,
                    r.chain.head_id
                )?;
            }
            if r.anchored {
                outln!("The audit trail is intact.")?;
            } else {
                outln!("The chain is intact, but {NOT_ANCHORED}.")?;
                errln!("chartroom: {NOT_ANCHORED}; {ANCHOR_HOWTO}");
            }
        }
    }
    Ok(r.exit_code())
}

const NOT_ANCHORED: &str = "not anchored: a rewrite of the whole trail would not be detected";
const ANCHOR_HOWTO: &str = "set audit_anchors in /etc/chartroom/config.toml (or give --anchors FILE) and run `chartroom audit anchor` from cron every 5 minutes";

pub fn run(path: &Location, c: &AuditCmd) -> Outcome {
    let mut svc = open(path)?;
    // A records server checks against (and anchors to) its own anchor file, never one named
    // on a terminal.
    let remote = svc.is_remote();
    let anchor_log = |flag: Option<&Path>, append| match (remote, flag) {
        (false, _) => anchor_log(flag, append),
        (true, None) => Ok(None),
        (true, Some(_)) => Err(ServiceError::Usage(
            "a records server uses its own anchors (its system config); run this without --anchors"
                .into(),
        )),
    };
    match c {
        AuditCmd::Verify { anchors, json } => {
            let log = anchor_log(anchors.as_deref(), false)?;
            let r = svc.audit_verify(log.as_ref())?;
            // What verify found is the exit code even when the output is cut short.
            let shown = if *json {
                outln!("{}", json::pretty(&r)).map(|_| r.exit_code())
            } else {
                print_verify(&r)
            };
            super::out::keep_code(r.exit_code(), shown)
        }
        AuditCmd::Anchor { print, anchors } => {
            let mut log = anchor_log(anchors.as_deref(), true)?;
            if log.is_none() && !print && !remote {
                return Err(ServiceError::Usage(
                    "no anchor file is configured: set audit_anchors in /etc/chartroom/config.toml (or give --anchors FILE), or use --print to send the line to syslog".into(),
                ));
            }
            let a = svc.audit_anchor(log.as_mut())?;
            if *print {
                outln!("{}", a.to_line())?;
            } else {
                outln!("Anchored row {} ({} rows).", a.head_id, a.rows)?;
            }
            Ok(0)
        }
        AuditCmd::Patient { mrn, json } => print_report(&svc.audit_patient(mrn)?, *json),
        AuditCmd::User { name, json } => print_report(&svc.audit_user(name)?, *json),
    }
}

pub fn alerts(path: &Location, a: &AlertsArgs) -> Outcome {
    let mut svc = open(path)?;
    if let Some(id) = a.review {
        svc.review_alert(id)?;
        outln!("Alert {id} is marked reviewed.")?;
        return Ok(0);
    }
    let list = svc.privacy_alerts(!a.all)?;
    if a.json {
        outln!("{}", json::pretty(&list))?;
        return Ok(0);
    }
    if list.is_empty() {
        outln!("No alerts waiting for review.")?;
        return Ok(0);
    }
    for x in &list {
        outln!(
            "#{} {} {} opened MRN {} ({}, {}): \"{}\"{}",
            x.id,
            x.at,
            x.username,
            x.mrn,
            x.kinds,
            x.action,
            x.reason,
            if x.reviewed_at.is_some() {
                " [reviewed]"
            } else {
                ""
            }
        )?;
    }
    Ok(0)
}
