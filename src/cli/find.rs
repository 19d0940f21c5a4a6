//! `chartroom find`: ranked patients from the shell.

use crate::service::Location;

use clap::Args;

use crate::domain::date::age_on;
use crate::service::ServiceError;

use super::{Outcome, cell, open, or_dash};

#[derive(Debug, Args)]
pub struct FindArgs {
    /// What to look for: name parts (typos are fine), a date of birth (1970-03-14,
    /// 03/14/1970, 3/14/70, 03-14-1970, 19700314, "14 Mar 1970", "March 14, 1970",
    /// 14.03.1970 day first, a month 03/1970 or a year 1970), an MRN or its beginning, a phone
    /// number, or the last 4 digits of the SSN. Words combine: "smith 1970". A two-digit year
    /// is this century's unless that date is still to come, then the last century's.
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
        outln!("{}", super::json::line(&found))?;
    } else if !found.is_empty() {
        let today = svc.clock().today();
        outln!(
            "{}  {}  {}  {}  {}  Last visit",
            cell("MRN", 10),
            cell("Name", 32),
            cell("Born (age)", 17),
            cell("Sex", 3),
            cell("SSN", 4),
        )?;
        for f in &found {
            let r = &f.row;
            let mut name = format!("{}, {}", r.family, r.given);
            if let Some(m) = &r.middle {
                name.push(' ');
                name.push_str(&m.shown());
            }
            let age = r
                .birth_date()
                .map(|d| format!("{} ({})", r.dob, age_on(d, today)))
                .unwrap_or_else(|| r.dob.to_string());
            outln!(
                "{}  {}  {}  {}  {}  {}",
                cell(&r.mrn, 10),
                cell(&name, 32),
                cell(&age, 17),
                cell(&r.sex, 3),
                cell(or_dash(&r.ssn_last4), 4),
                or_dash(&r.last_encounter)
            )?;
        }
    }
    if found.is_empty() {
        if !a.json {
            match crate::search::unread_date_hint(&query) {
                Some(h) => errln!("chartroom: no patient matches, and {h}"),
                None => {
                    errln!("chartroom: no patient matches; check the spelling or try fewer words")
                }
            }
        }
        return Ok(1);
    }
    Ok(0)
}
