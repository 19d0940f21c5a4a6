//! `chartroom site show|set|permissions`: site policy in the store, administrators only.

use clap::Subcommand;

use crate::domain::{Permission, Role};
use crate::service::Location;
use crate::service::ServiceError;

use super::{Outcome, cell, json, open};

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
    /// Show which role may do what, or change one grant (`grant ROLE PERMISSION`,
    /// `revoke ROLE PERMISSION`). Open sessions follow a change at their next action.
    Permissions {
        #[command(subcommand)]
        change: Option<GrantCmd>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum GrantCmd {
    /// Let a role do something (for example: grant coder import_codes).
    Grant { role: String, permission: String },
    /// Take it away again (for example: revoke technician break_glass).
    Revoke { role: String, permission: String },
}

fn role(s: &str) -> Result<Role, ServiceError> {
    Role::parse(s).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        ServiceError::Usage(format!(
            "there is no role \"{}\"; the roles are: {}",
            s.trim(),
            all.join(", ")
        ))
    })
}

fn permission(s: &str) -> Result<Permission, ServiceError> {
    Permission::parse(s).ok_or_else(|| {
        let all: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        ServiceError::Usage(format!(
            "there is no permission \"{}\"; the permissions are: {}",
            s.trim(),
            all.join(", ")
        ))
    })
}

pub fn run(path: &Location, c: &SiteCmd) -> Outcome {
    let mut svc = open(path)?;
    match c {
        SiteCmd::Show { json } => {
            let all = svc.site_show()?;
            if *json {
                outln!("{}", json::pretty(&all))?;
                return Ok(0);
            }
            for s in &all {
                let v = s.value.clone().unwrap_or_else(|| "(not set)".into());
                let d = if s.is_default { "  (default)" } else { "" };
                outln!(
                    "{} {}{d}\n{}  {}",
                    cell(s.key, 28),
                    v,
                    " ".repeat(28),
                    s.description
                )?;
            }
        }
        SiteCmd::Set { key, value } => {
            let s = svc.site_set(key, value)?;
            outln!("{} = {}", s.key, s.value.clone().unwrap_or_default())?;
        }
        SiteCmd::Permissions {
            change: Some(g),
            json: _,
        } => {
            let (r, p, on) = match g {
                GrantCmd::Grant {
                    role: r,
                    permission: p,
                } => (role(r)?, permission(p)?, true),
                GrantCmd::Revoke {
                    role: r,
                    permission: p,
                } => (role(r)?, permission(p)?, false),
            };
            let changed = svc.set_permission(r, p, on)?;
            let what = if on { "may now" } else { "may no longer" };
            if changed {
                outln!("{} {what} {} ({}).", r.as_str(), p.describe(), p.as_str())?;
            } else {
                outln!(
                    "Nothing changed: {} already {} {}.",
                    r.as_str(),
                    if on { "may" } else { "may not" },
                    p.describe()
                )?;
            }
        }
        SiteCmd::Permissions { change: None, json } => {
            let grants = svc.permissions_matrix()?;
            if *json {
                outln!("{}", json::pretty(&grants))?;
                return Ok(0);
            }
            out!("{}", cell("PERMISSION", 18))?;
            for r in Role::ALL {
                out!(" {}", cell(short(r), 6))?;
            }
            outln!("  WHAT IT ALLOWS")?;
            for p in Permission::ALL {
                out!("{}", cell(p.as_str(), 18))?;
                for r in Role::ALL {
                    let on = grants
                        .iter()
                        .any(|g| g.granted && g.role == r.as_str() && g.permission == p.as_str());
                    out!(" {}", cell(if on { "yes" } else { "-" }, 6))?;
                }
                outln!("  {}", p.describe())?;
            }
            outln!(
                "Roles: {}. Change one with `chartroom site permissions grant|revoke ROLE PERMISSION`.",
                Role::ALL
                    .iter()
                    .map(|r| format!("{} = {}", short(*r), r.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
    }
    Ok(0)
}

/// A column heading for a role.
fn short(r: Role) -> &'static str {
    match r {
        Role::Technician => "tech",
        Role::Coder => "coder",
        Role::RoiSpecialist => "roi",
        Role::Supervisor => "super",
        Role::PrivacyOfficer => "priv",
        Role::Auditor => "audit",
        Role::Admin => "admin",
    }
}
