//! `chartroom audit verify|anchor|patient|user` and `chartroom alerts`.

use std::path::PathBuf;

use crate::service::Location;

use clap::{Args, Subcommand};

use crate::service::AuditReport;

use super::{Outcome, cell, json, open, or_dash};

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the audit trail's hash chain and its anchors; names the first bad row.
    Verify {
        /// Check against the anchors in this file (for example lines taken from syslog)
        /// instead of the site's audit_anchor_path.
        #[arg(long, value_name = "FILE")]
        anchors: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Append the chain head to the site's anchor file (run it from cron). In production
    /// the file is root-owned and append-only (`chattr +a`), or use
    /// `chartroom audit anchor --print | logger -t chartroom-audit`.
    Anchor {
        /// Also print the anchor line (and do not fail when no anchor file is set).
        #[arg(long)]
        print: bool,
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

fn print_report(r: &AuditReport, json: bool) {
    if json {
        println!("{}", json::pretty(r));
        return;
    }
    println!("Audit trail for {} ({} rows)", r.subject, r.entries.len());
    for e in &r.entries {
        println!(
            "{} {} {} {} {} {} {}",
            cell(e.id, 7),
            cell(&e.at, 20),
            cell(&e.username, 12),
            cell(&e.action, 15),
            cell(&e.outcome, 15),
            cell(or_dash(&e.origin), 18),
            e.object.clone().unwrap_or_default()
        );
    }
}

pub fn run(path: &Location, c: &AuditCmd) -> Outcome {
    let mut svc = open(path)?;
    match c {
        AuditCmd::Verify { anchors, json } => {
            let r = svc.audit_verify(anchors.as_deref())?;
            if *json {
                println!("{}", json::pretty(&r));
            } else {
                println!(
                    "Checked {} audit rows (head {}) against {} anchor(s).",
                    r.chain.rows, r.chain.head_id, r.chain.anchors_checked
                );
                if let Some(p) = &r.anchor_problem {
                    println!("problem: {p}");
                }
                match &r.chain.first_bad {
                    Some(b) => println!("TAMPERED: first bad row {}: {}", b.id, b.reason),
                    None => println!("The audit trail is intact."),
                }
            }
            Ok(if r.ok() { 0 } else { 3 })
        }
        AuditCmd::Anchor { print } => {
            let a = svc.audit_anchor(!print)?;
            if *print {
                println!("{}", a.to_line());
            } else {
                println!("Anchored row {} ({} rows).", a.head_id, a.rows);
            }
            Ok(0)
        }
        AuditCmd::Patient { mrn, json } => {
            print_report(&svc.audit_patient(mrn)?, *json);
            Ok(0)
        }
        AuditCmd::User { name, json } => {
            print_report(&svc.audit_user(name)?, *json);
            Ok(0)
        }
    }
}

pub fn alerts(path: &Location, a: &AlertsArgs) -> Outcome {
    let mut svc = open(path)?;
    if let Some(id) = a.review {
        svc.review_alert(id)?;
        println!("Alert {id} is marked reviewed.");
        return Ok(0);
    }
    let list = svc.privacy_alerts(!a.all)?;
    if a.json {
        println!("{}", json::pretty(&list));
        return Ok(0);
    }
    if list.is_empty() {
        println!("No alerts waiting for review.");
        return Ok(0);
    }
    for x in &list {
        println!(
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
        );
    }
    Ok(0)
}
