//! `chartroom show`: one chart, on the shell.

use crate::service::Location;

use clap::Args;

use crate::domain::date::age_on;
use crate::service::Access;

use super::{Outcome, json, open, or_dash};

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The patient's medical record number.
    #[arg(value_name = "MRN")]
    pub mrn: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Why you need a restricted, employee or Part 2 record (break the glass; the privacy
    /// officer is told).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Show the whole Social Security number (needs the permission; audited).
    #[arg(long)]
    pub reveal_ssn: bool,
}

pub fn run(path: &Location, a: &ShowArgs) -> Outcome {
    let mut svc = open(path)?;
    let access = match &a.reason {
        Some(r) => Access::BreakGlass { reason: r.clone() },
        None => Access::Normal,
    };
    let mut chart = svc.show_with(&a.mrn, &access)?;
    if a.reveal_ssn {
        chart.ssn_shown = svc.reveal_ssn_with(&a.mrn, &access)?;
    }
    if a.json {
        outln!("{}", json::pretty(&chart))?;
        return Ok(0);
    }
    let p = &chart.patient;
    let today = svc.clock().today();
    outln!("{}   MRN {}", p.display_name(), p.mrn)?;
    outln!(
        "Born {} (age {})   Sex {}   SSN {}",
        p.dob,
        age_on(p.dob, today),
        p.sex,
        chart
            .ssn_shown
            .as_deref()
            .unwrap_or(if p.ssn_note.is_some() {
                "unknown"
            } else {
                "none on file"
            })
    )?;
    if let Some(n) = &p.ssn_note {
        outln!("Note: {n}")?;
    }
    let mut flags = Vec::new();
    for (on, name) in [
        (p.flags.restricted, "RESTRICTED"),
        (p.flags.employee, "EMPLOYEE"),
        (p.flags.part2, "PART 2"),
        (p.flags.deceased, "DECEASED"),
    ] {
        if on {
            flags.push(name);
        }
    }
    if let Some(m) = &p.merged_into {
        outln!("MERGED into MRN {m}")?;
    }
    if !flags.is_empty() {
        outln!("Flags: {}", flags.join(", "))?;
    }
    let addr: Vec<String> = [&p.address, &p.city, &p.state, &p.postal_code]
        .into_iter()
        .flatten()
        .map(|t| t.to_string())
        .collect();
    if !addr.is_empty() {
        outln!("Address: {}", addr.join(", "))?;
    }
    if let Some(ph) = &p.phone {
        outln!("Phone: {ph}")?;
    }
    for n in &p.previous_names {
        outln!(
            "{} name: {}, {}",
            if n.kind == "alias" {
                "Alias"
            } else {
                "Previous"
            },
            n.family,
            n.given
        )?;
    }
    outln!("\nEncounters ({})", chart.encounters.len())?;
    for e in &chart.encounters {
        let discharged: &dyn std::fmt::Display = match &e.discharge_at {
            Some(d) => d,
            None => &"in house",
        };
        outln!(
            "  {}  {:<11} {} → {}  {}  {}  [{}]",
            e.account_number,
            e.kind,
            e.admit_at,
            discharged,
            or_dash(&e.service),
            or_dash(&e.attending),
            if e.coding_status == "coded" {
                "coded"
            } else {
                "awaiting coding"
            }
        )?;
        for d in &e.diagnoses {
            outln!(
                "      dx {} {:<8} POA {}  {}",
                d.sequence,
                d.code,
                or_dash(&d.poa),
                d.description.clone().unwrap_or_default()
            )?;
        }
        for x in &e.procedures {
            outln!(
                "      px {} {:<8} {}",
                x.sequence,
                x.code,
                x.description.clone().unwrap_or_default()
            )?;
        }
    }
    outln!("\nDocuments ({})", chart.documents.len())?;
    for d in &chart.documents {
        outln!(
            "  #{:<8} {}  {:<28} {:<11} {}",
            d.id,
            d.service_date,
            d.title,
            d.status,
            or_dash(&d.author)
        )?;
    }
    Ok(0)
}
