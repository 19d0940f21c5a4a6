//! `chartroom patient add`.

use crate::service::Location;

use clap::{Args, Subcommand};

use crate::domain::PatientInput;

use super::{Outcome, json, open};

#[derive(Debug, Subcommand)]
pub enum PatientCmd {
    /// Register a new patient and print the MRN. A likely duplicate is reported as a
    /// warning: check it before you register the patient again.
    Add(AddArgs),
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
    let PatientCmd::Add(a) = c;
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
