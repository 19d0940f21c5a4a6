//! `chartroom patient edit|history|restore`, `chartroom encounter edit`, `chartroom document
//! edit`: changes with history, refused (exit 5) when someone else saved first.

use clap::Args;

use crate::domain::edit::{Change, Edit};
use crate::service::{Access, Location, Saved};

use super::{Outcome, json, open};

/// What every edit takes besides its fields.
#[derive(Debug, Args)]
pub struct EditCommon {
    /// The version of the record you are changing (as `show --json` or the last save gave
    /// it): when someone else saved since, nothing is saved and the command exits with 5.
    #[arg(long, value_name = "N")]
    pub version: Option<i64>,
    /// Why you need a restricted, employee or Part 2 record (break the glass).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

impl EditCommon {
    fn access(&self) -> Access {
        match &self.reason {
            Some(r) => Access::BreakGlass { reason: r.clone() },
            None => Access::Normal,
        }
    }
}

/// `chartroom patient edit MRN --phone … --address …`: one flag per field; an empty value
/// (`--middle ""`) clears an optional field.
#[derive(Debug, Args)]
pub struct PatientEditArgs {
    #[arg(value_name = "MRN")]
    pub mrn: String,
    #[arg(long)]
    pub family: Option<String>,
    #[arg(long)]
    pub given: Option<String>,
    #[arg(long)]
    pub middle: Option<String>,
    #[arg(long)]
    pub suffix: Option<String>,
    /// Date of birth: 1970-03-14, 03/14/1970 or 19700314.
    #[arg(long)]
    pub dob: Option<String>,
    /// F, M, O, U, A or N.
    #[arg(long)]
    pub sex: Option<String>,
    /// Street address.
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub city: Option<String>,
    /// Two-letter state code.
    #[arg(long)]
    pub state: Option<String>,
    /// ZIP code (12345 or 12345-6789).
    #[arg(long = "zip", alias = "postal-code")]
    pub postal_code: Option<String>,
    /// 10 digits, or + and the country code.
    #[arg(long)]
    pub phone: Option<String>,
    #[command(flatten)]
    pub common: EditCommon,
}

#[derive(Debug, Args)]
pub struct EncounterEditArgs {
    /// The encounter's account number.
    #[arg(value_name = "ACCOUNT")]
    pub account: String,
    /// inpatient, outpatient, emergency or observation.
    #[arg(long = "type")]
    pub kind: Option<String>,
    /// Admission: YYYY-MM-DD HH:MM.
    #[arg(long)]
    pub admit: Option<String>,
    /// Discharge: YYYY-MM-DD HH:MM (empty: still in house).
    #[arg(long)]
    pub discharge: Option<String>,
    #[arg(long)]
    pub attending: Option<String>,
    #[arg(long)]
    pub service: Option<String>,
    #[arg(long)]
    pub disposition: Option<String>,
    #[command(flatten)]
    pub common: EditCommon,
}

#[derive(Debug, Args)]
pub struct DocumentEditArgs {
    /// The document's number (as `show` lists it, without the #).
    #[arg(value_name = "ID")]
    pub id: i64,
    #[arg(long = "type")]
    pub doc_type: Option<String>,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub author: Option<String>,
    /// YYYY-MM-DD.
    #[arg(long)]
    pub service_date: Option<String>,
    #[command(flatten)]
    pub common: EditCommon,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[arg(value_name = "MRN")]
    pub mrn: String,
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[arg(value_name = "MRN")]
    pub mrn: String,
    /// The change whose old value to put back (its number in `patient history`).
    #[arg(value_name = "CHANGE")]
    pub change: i64,
    #[command(flatten)]
    pub common: EditCommon,
}

fn edit_of(version: Option<i64>, fields: &[(&str, &Option<String>)]) -> Edit {
    let mut e = Edit::new(version);
    for (name, v) in fields {
        if let Some(v) = v {
            e = e.set(name, v.clone());
        }
    }
    e
}

pub fn patient(path: &Location, a: &PatientEditArgs) -> Outcome {
    let edit = edit_of(
        a.common.version,
        &[
            ("family", &a.family),
            ("given", &a.given),
            ("middle", &a.middle),
            ("suffix", &a.suffix),
            ("dob", &a.dob),
            ("sex", &a.sex),
            ("address", &a.address),
            ("city", &a.city),
            ("state", &a.state),
            ("postal_code", &a.postal_code),
            ("phone", &a.phone),
        ],
    );
    let mut svc = open(path)?;
    let saved = svc.edit_patient(&a.mrn, &edit, &a.common.access())?;
    print_saved(&saved, a.common.json)
}

pub fn encounter(path: &Location, a: &EncounterEditArgs) -> Outcome {
    let edit = edit_of(
        a.common.version,
        &[
            ("type", &a.kind),
            ("admit_at", &a.admit),
            ("discharge_at", &a.discharge),
            ("attending", &a.attending),
            ("service", &a.service),
            ("disposition", &a.disposition),
        ],
    );
    let mut svc = open(path)?;
    let saved = svc.edit_encounter(&a.account, &edit, &a.common.access())?;
    print_saved(&saved, a.common.json)
}

pub fn document(path: &Location, a: &DocumentEditArgs) -> Outcome {
    let edit = edit_of(
        a.common.version,
        &[
            ("doc_type", &a.doc_type),
            ("title", &a.title),
            ("author", &a.author),
            ("service_date", &a.service_date),
        ],
    );
    let mut svc = open(path)?;
    let saved = svc.edit_document(a.id, &edit, &a.common.access())?;
    print_saved(&saved, a.common.json)
}

pub fn restore(path: &Location, a: &RestoreArgs) -> Outcome {
    let mut svc = open(path)?;
    let saved = svc.restore_change(&a.mrn, a.change, a.common.version, &a.common.access())?;
    print_saved(&saved, a.common.json)
}

pub fn history(path: &Location, a: &HistoryArgs) -> Outcome {
    let access = match &a.reason {
        Some(r) => Access::BreakGlass { reason: r.clone() },
        None => Access::Normal,
    };
    let mut svc = open(path)?;
    let all = svc.chart_history(&a.mrn, &access)?;
    if a.json {
        outln!("{}", json::pretty(&all))?;
        return Ok(0);
    }
    if all.is_empty() {
        outln!("No changes have been made to this chart in chartroom.")?;
        return Ok(0);
    }
    for c in &all {
        outln!("{}", line(c))?;
    }
    Ok(0)
}

/// One change as the history lists it.
fn line(c: &Change) -> String {
    let restores = c
        .restores
        .map(|r| format!("  (restores change {r})"))
        .unwrap_or_default();
    format!(
        "#{:<6} {}  {:<12} {} {} v{}  {}{}",
        c.id,
        c.at,
        c.username,
        c.entity.as_str(),
        c.record,
        c.version,
        crate::domain::Text::from(c.describe()),
        restores
    )
}

fn print_saved(s: &Saved, as_json: bool) -> Outcome {
    if as_json {
        outln!("{}", json::pretty(s))?;
        return Ok(0);
    }
    if s.changes.is_empty() {
        outln!(
            "Nothing changed: every value was already as given (version {}).",
            s.version
        )?;
        return Ok(0);
    }
    outln!("Saved as version {}:", s.version)?;
    for c in &s.changes {
        outln!("  {}", crate::domain::Text::from(c.describe()))?;
    }
    Ok(0)
}
