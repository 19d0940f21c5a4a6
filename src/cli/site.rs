//! `chartroom site show|set`: site policy in the store, administrators only.

use crate::store::Location;

use clap::Subcommand;

use super::{Outcome, cell, open, safe};

#[derive(Debug, Subcommand)]
pub enum SiteCmd {
    /// Show every site setting and the value in force.
    Show {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Set one site setting (audited with the value before and after).
    Set { key: String, value: String },
}

pub fn run(path: &Location, c: &SiteCmd) -> Outcome {
    let mut svc = open(path)?;
    match c {
        SiteCmd::Show { json } => {
            let all = svc.site_show()?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
                return Ok(0);
            }
            for s in &all {
                let v = s.value.as_deref().unwrap_or("(not set)");
                let d = if s.is_default { "  (default)" } else { "" };
                println!(
                    "{} {}{d}\n{}  {}",
                    cell(s.key, 28),
                    safe(v),
                    " ".repeat(28),
                    s.description
                );
            }
        }
        SiteCmd::Set { key, value } => {
            let s = svc.site_set(key, value)?;
            println!("{} = {}", s.key, safe(s.value.as_deref().unwrap_or("")));
        }
    }
    Ok(0)
}
