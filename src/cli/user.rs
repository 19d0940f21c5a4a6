//! `chartroom user add|list|disable|enable|unlock|role|passwd|set-idle|link-patient`.

use crate::service::Location;
use std::io::Read;
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;

use clap::{Args, Subcommand};

use crate::domain::Role;
use crate::service::{NewUser, ServiceError};

use super::{Outcome, cell, json, open, or_dash};

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add a user and map an OS login to them.
    Add(AddArgs),
    /// List the users, their roles and whether they are disabled or locked.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Disable a user: their OS login is refused from now on.
    Disable { name: String },
    /// Enable a disabled user again.
    Enable { name: String },
    /// Unlock an account locked after 5 wrong passwords.
    Unlock { name: String },
    /// Change a user's role (audited with before and after).
    Role {
        name: String,
        /// technician, coder, roi_specialist, supervisor, privacy_officer, auditor or admin.
        role: String,
    },
    /// Set a password: your own (leave NAME out), or another user's (administrators).
    Passwd(PasswdArgs),
    /// Set a user's own idle timeout in seconds (30 to 3600), or `default` for the site's.
    SetIdle { name: String, seconds: String },
    /// Link a user to their own patient record, so they cannot open it; `none` unlinks.
    LinkPatient { name: String, mrn: String },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The chartroom user name (letters, digits, '.', '_', '-').
    pub name: String,
    /// technician, coder, roi_specialist, supervisor, privacy_officer, auditor or admin.
    #[arg(long)]
    pub role: String,
    /// The OS login that acts as this user.
    #[arg(long)]
    pub login: Option<String>,
    /// The person's full name.
    #[arg(long)]
    pub full_name: String,
}

#[derive(Debug, Args)]
pub struct PasswdArgs {
    /// The user whose password to set (default: you).
    pub name: Option<String>,
    /// Read the passwords from this file descriptor, one per line (current first, when
    /// changing your own), instead of prompting. Never from an argument or the environment.
    #[arg(long, value_name = "N")]
    pub passphrase_fd: Option<i32>,
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

/// Where secrets come from: a file descriptor (scripts, CI) or the terminal.
pub(crate) enum SecretSource {
    Fd(i32),
    Prompt,
}

impl SecretSource {
    pub(crate) fn new(fd: Option<i32>) -> Self {
        fd.map_or(SecretSource::Prompt, SecretSource::Fd)
    }

    /// One line (without its newline). Reads byte by byte so the next line stays in the fd.
    pub(crate) fn read(&self, prompt: &str) -> Result<String, ServiceError> {
        match self {
            SecretSource::Prompt => rpassword::prompt_password(prompt).map_err(|_| {
                ServiceError::Usage(
                    "cannot read a password: no terminal; use --passphrase-fd N".into(),
                )
            }),
            SecretSource::Fd(fd) => {
                if *fd < 0 {
                    return Err(ServiceError::Usage(
                        "--passphrase-fd needs a file descriptor number (0 or more)".into(),
                    ));
                }
                // SAFETY: the fd is the caller's; ManuallyDrop keeps us from closing it.
                let f = ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(*fd) });
                let mut line = Vec::new();
                let mut b = [0u8; 1];
                loop {
                    match (&*f).read(&mut b) {
                        Ok(0) => break,
                        Ok(_) if b[0] == b'\n' => break,
                        Ok(_) => line.push(b[0]),
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(_) => {
                            return Err(ServiceError::Usage(format!(
                                "cannot read from file descriptor {fd}"
                            )));
                        }
                    }
                }
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                String::from_utf8(line)
                    .map_err(|_| ServiceError::Usage("the password is not valid UTF-8 text".into()))
            }
        }
    }
}

pub fn run(path: &Location, c: &UserCmd) -> Outcome {
    let mut svc = open(path)?;
    match c {
        UserCmd::Add(a) => {
            let u = svc.add_user(&NewUser {
                username: a.name.clone(),
                full_name: a.full_name.clone(),
                role: role(&a.role)?,
                os_login: a.login.clone(),
            })?;
            outln!(
                "Added {} ({}); set a password with `chartroom user passwd {}`.",
                u.username,
                u.role.as_str(),
                u.username
            )?;
        }
        UserCmd::List { json } => {
            let users = svc.list_users()?;
            if *json {
                outln!("{}", json::pretty(&users))?;
                return Ok(0);
            }
            outln!(
                "{} {} {} {} NAME",
                cell("USER", 16),
                cell("ROLE", 16),
                cell("OS LOGIN", 16),
                cell("STATE", 10),
            )?;
            for u in &users {
                let state = if u.disabled {
                    "disabled"
                } else if u.locked {
                    "LOCKED"
                } else {
                    "active"
                };
                outln!(
                    "{} {} {} {} {}",
                    cell(&u.username, 16),
                    cell(u.role.as_str(), 16),
                    cell(or_dash(&u.os_login), 16),
                    cell(state, 10),
                    u.full_name
                )?;
            }
        }
        UserCmd::Disable { name } => {
            let u = svc.set_user_disabled(name, true)?;
            outln!("{} is disabled.", u.username)?;
        }
        UserCmd::Enable { name } => {
            let u = svc.set_user_disabled(name, false)?;
            outln!("{} is enabled.", u.username)?;
        }
        UserCmd::Unlock { name } => {
            let u = svc.unlock_user(name)?;
            outln!("{} is unlocked.", u.username)?;
        }
        UserCmd::Role { name, role: r } => {
            let u = svc.set_role(name, role(r)?)?;
            outln!("{} is now {}.", u.username, u.role.as_str())?;
        }
        UserCmd::Passwd(a) => {
            let src = SecretSource::new(a.passphrase_fd);
            let own = a
                .name
                .as_deref()
                .is_none_or(|n| n.trim() == svc.actor().user.username);
            let current = if own && svc.own_password_set()? {
                Some(src.read("Current password: ")?)
            } else {
                None
            };
            let new = src.read("New password: ")?;
            if matches!(src, SecretSource::Prompt) && src.read("New password again: ")? != new {
                return Err(ServiceError::Usage(
                    "the two passwords differ; nothing was changed".into(),
                ));
            }
            svc.set_password(a.name.as_deref(), current.as_deref(), &new)?;
            outln!("The password is set.")?;
        }
        UserCmd::SetIdle { name, seconds } => {
            let secs = match seconds.trim() {
                "default" | "site" => None,
                s => Some(s.parse::<i64>().map_err(|_| {
                    ServiceError::Usage(
                        "give the seconds as a whole number (30 to 3600), or `default`".into(),
                    )
                })?),
            };
            let u = svc.set_user_idle(name, secs)?;
            match u.idle_timeout_s {
                Some(s) => outln!("{} locks after {s} s idle.", u.username)?,
                None => outln!("{} uses the site's idle timeout.", u.username)?,
            }
        }
        UserCmd::LinkPatient { name, mrn } => {
            let m = (mrn.trim() != "none").then_some(mrn.as_str());
            let u = svc.link_user_patient(name, m)?;
            outln!(
                "{} is {} a patient record.",
                u.username,
                if u.patient_id.is_some() {
                    "linked to"
                } else {
                    "not linked to"
                }
            )?;
        }
    }
    Ok(0)
}
