//! `chartroom find`: ranked patients from the shell.

use crate::store::Location;

use clap::Args;

use crate::domain::date::age_on;
use crate::service::ServiceError;

use super::{Outcome, cell, open};

#[derive(Debug, Args)]
pub struct FindArgs {
    /// What to look for: name parts (typos are fine), a date of birth (1970-03-14,
    /// 03/14/1970, 19700314, 1970 or 03/1970), an MRN or its beginning, a phone number,
    /// or the last 4 digits of the SSN. Words combine: "smith 1970".
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    /// Show at most this many patients.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=500))]
    pub limit: u16,
    /// Print JSON (an array of patients) instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(path: &Location, a: &FindArgs) -> Outcome {
    let query = a.query.join(" ");
    if crate::search::query::parse(&query).is_empty() {
        return Err(ServiceError::Usage(
            "nothing to search for: type a name, a date of birth, an MRN, a phone number or the last 4 of the SSN".into(),
        ));
    }
    let mut svc = open(path)?;
    let found = svc.find(&query, usize::from(a.limit))?;
    if a.json {
        let out: Vec<serde_json::Value> = found
            .iter()
            .map(|f| serde_json::to_value(f).unwrap_or_default())
            .collect();
        println!("{}", serde_json::Value::Array(out));
    } else if !found.is_empty() {
        let today = svc.clock().today();
        println!(
            "{}  {}  {}  {}  {}  Last visit",
            cell("MRN", 10),
            cell("Name", 32),
            cell("Born (age)", 17),
            cell("Sex", 3),
            cell("SSN", 4),
        );
        for f in &found {
            let r = &f.row;
            let mut name = format!("{}, {}", r.family, r.given);
            if let Some(m) = &r.middle {
                name.push(' ');
                name.push_str(m);
            }
            let age = chrono::NaiveDate::parse_from_str(&r.dob, "%Y-%m-%d")
                .map(|d| format!("{} ({})", r.dob, age_on(d, today)))
                .unwrap_or_else(|_| r.dob.clone());
            println!(
                "{}  {}  {}  {}  {}  {}",
                cell(&r.mrn, 10),
                cell(&name, 32),
                cell(&age, 17),
                cell(&r.sex, 3),
                cell(r.ssn_last4.as_deref().unwrap_or("-"), 4),
                r.last_encounter.as_deref().unwrap_or("-")
            );
        }
    }
    if found.is_empty() {
        if !a.json {
            eprintln!("chartroom: no patient matches; check the spelling or try fewer words");
        }
        return Ok(1);
    }
    Ok(0)
}
