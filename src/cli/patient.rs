//! `chartroom patient add` (and the edits of `edit.rs`).

use crate::service::Location;

use clap::{Args, Subcommand};

use crate::domain::PatientInput;

use super::{Outcome, json, open};

#[derive(Debug, Subcommand)]
pub enum PatientCmd {
    /// Register a new patient and print the MRN. A likely duplicate is reported as a
    /// warning: check it before you register the patient again.
    Add(AddArgs),
    /// Change a patient's demographics, one flag per field (`--phone`, `--address`, …);
    /// refused with exit code 5 when someone else saved the record after --version.
    Edit(super::edit::PatientEditArgs),
    /// Every change to the chart: who, when, each field before and after.
    History(super::edit::HistoryArgs),
    /// Put back the value an earlier change replaced (a new change; nothing is rewritten).
    Restore(super::edit::RestoreArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Family (last) name.
    #[arg(long)]
    pub family: String,
    /// Given (first) name.
    #[arg(long)]
    pub given: String,
    /// Middle name or initial.
    #[arg(long)]
    pub middle: Option<String>,
    /// Date of birth: 1970-03-14, 03/14/1970 or 19700314.
    #[arg(long)]
    pub dob: String,
    /// Administrative sex: F, M, O (other), U (unknown), A (ambiguous), N (not applicable).
    #[arg(long)]
    pub sex: String,
    /// Social Security number (123-45-6789 or 9 digits; 000-00-0000 and 999-99-9999 mean
    /// "unknown" and are stored as no SSN, with a note).
    #[arg(long)]
    pub ssn: Option<String>,
    /// The MRN to use; leave it out to have the next free one assigned.
    #[arg(long)]
    pub mrn: Option<String>,
    /// Phone number: 10 digits (North America), or + and the country code.
    #[arg(long)]
    pub phone: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(path: &Location, c: &PatientCmd) -> Outcome {
    let a = match c {
        PatientCmd::Add(a) => a,
        PatientCmd::Edit(a) => return super::edit::patient(path, a),
        PatientCmd::History(a) => return super::edit::history(path, a),
        PatientCmd::Restore(a) => return super::edit::restore(path, a),
    };
    let input = PatientInput {
        mrn: a.mrn.clone(),
        family: a.family.clone(),
        given: a.given.clone(),
        middle: a.middle.clone(),
        dob: a.dob.clone(),
        sex: a.sex.clone(),
        ssn: a.ssn.clone(),
        phone: a.phone.clone(),
    };
    let mut svc = open(path)?;
    let out = svc.add_patient(&input)?;
    if a.json {
        outln!("{}", json::line(&out))?;
        return Ok(0);
    }
    outln!("{}", out.mrn)?;
    for n in &out.notes {
        errln!("note: {n}");
    }
    for d in &out.likely_duplicates {
        errln!(
            "warning: this may be the same person as MRN {} ({}, {}, born {}); check before you use the new record",
            d.mrn,
            d.family,
            d.given,
            d.dob
        );
    }
    Ok(0)
}
