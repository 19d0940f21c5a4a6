//! The shell commands. Each calls the same services the TUI uses.

#[macro_use]
pub mod out;

mod audit;
mod backup;
mod demo;
mod edit;
mod find;
pub mod json;
mod key;
mod patient;
mod records;
mod remote;
pub mod server;
mod show;
mod site;
mod user;

use std::path::Path;
use std::sync::OnceLock;

use clap::{Parser, Subcommand};

use crate::config::SystemConfig;
use crate::domain::Text;
use crate::service::{Clock, Conn, Location, Service, ServiceError, shared};

#[derive(Debug, Parser)]
#[command(
    name = "chartroom",
    version,
    about = "Find patients, keep charts, code encounters and work request queues.",
    long_about = "chartroom is a records room in a terminal. Run it without a command to open \
                  the screens; use a command below for a quick lookup from the shell.",
    after_help = "Exit codes: 0 done, 1 nothing found, 2 the command was typed wrong, \
                  3 the store could not be used, 4 not permitted or locked, 5 someone else \
                  changed the record first, 7 audit verify found the chain intact but \
                  checked no anchor."
)]
pub struct Cli {
    /// The store to use: a file path, a store server's address (https://host[:port], or
    /// http:// on this machine only), or a records server (chartroom://HOST[:PORT], or
    /// chartroom+unix:///PATH on its own machine) (default: CHARTROOM_DB, else chartroom.db
    /// in your data folder).
    #[arg(long, global = true, env = "CHARTROOM_DB", value_name = "PATH")]
    pub db: Option<String>,
    /// The colour theme for the screens: default, light, high-contrast, monochrome.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Read passphrases from this open file descriptor, one line each in the order they are
    /// asked for (for scripts; a passphrase is never taken from an argument or the
    /// environment).
    #[arg(long, global = true, value_name = "N")]
    pub passphrase_fd: Option<i32>,
    /// Measure start-to-first-frame and the first search for QUERY, print the times, quit.
    #[arg(long, global = true, hide = true, value_name = "QUERY")]
    pub bench_first_frame: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty store, with you as its first administrator.
    Init(demo::InitArgs),
    /// Build a store of made-up patients to practise on, then open it.
    Demo(demo::DemoArgs),
    /// Register patients, change their demographics, read a chart's change history.
    #[command(subcommand)]
    Patient(patient::PatientCmd),
    /// Change an encounter (by account number).
    #[command(subcommand)]
    Encounter(EncounterCmd),
    /// Change a document's details (type, title, author, service date).
    #[command(subcommand)]
    Document(DocumentCmd),
    /// Find patients by name, date of birth, MRN, phone or the last 4 of the SSN.
    Find(find::FindArgs),
    /// Show a patient's chart: demographics, encounters, documents and codes.
    Show(show::ShowArgs),
    /// Check the store for damage and for records that break chartroom's rules.
    Check,
    /// Manage chartroom users (administrators; supervisors may list and unlock).
    #[command(subcommand)]
    User(user::UserCmd),
    /// Show or change site policy (administrators).
    #[command(subcommand)]
    Site(site::SiteCmd),
    /// Read and check the audit trail (auditors, privacy officers, administrators).
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// Copy the store, consistently while it is in use, to a backup (administrators).
    Backup(backup::BackupArgs),
    /// Replace the store with a backup, after checking the backup (administrators).
    Restore(backup::RestoreArgs),
    /// Set up a shared records server (root): a group, a private store folder, a setgid
    /// binary; keep the credential of a libSQL store server (`server token set URL`).
    #[command(subcommand)]
    Server(server::ServerCmd),
    /// The privacy officer's queue: who broke the glass on a restricted record, and why.
    Alerts(audit::AlertsArgs),
    /// The key of an encrypted store: unlock, lock, add-slot, remove-slot, rotate, slots.
    #[command(subcommand)]
    Key(key::KeyCmd),
    /// Copy a whole store from one place to another (a file onto a libSQL server).
    #[command(subcommand)]
    Store(remote::StoreCmd),
    /// Run the service for terminals elsewhere (and this machine's users), owning the store:
    /// they hold a session token, never a credential that opens the store.
    Serve(records::ServeArgs),
    /// Log in to a records server (chartroom://HOST[:PORT]) with your chartroom password; the
    /// session token goes in the OS keyring.
    Login(records::LoginArgs),
    /// End your session on a records server and forget its token.
    Logout(records::LogoutArgs),
}

#[derive(Debug, Subcommand)]
pub enum EncounterCmd {
    /// Change an encounter, one flag per field; refused with exit code 5 when someone else
    /// saved it after --version.
    Edit(edit::EncounterEditArgs),
}

#[derive(Debug, Subcommand)]
pub enum DocumentCmd {
    /// Change a document's details, one flag per field; refused with exit code 5 when
    /// someone else saved it after --version.
    Edit(edit::DocumentEditArgs),
}

impl Cli {
    /// Where the store is: on a shared server the system config's store (only); else `--db`,
    /// else `CHARTROOM_DB`, else the data folder's file.
    pub fn store(&self) -> Result<Location, ServiceError> {
        if shared::active()
            && let Some(p) = shared::config().and_then(|c| c.store)
        {
            return Ok(Location::File(p));
        }
        match &self.db {
            Some(s) => Ok(Location::parse(s)?),
            None => Ok(Location::File(crate::config::default_store())),
        }
    }
}

/// The file of a local store, for the commands that only work on one (init, demo, key).
pub(crate) fn file(loc: &Location) -> Result<&Path, ServiceError> {
    loc.as_file().ok_or_else(|| {
        ServiceError::Usage(format!(
            "this command works on a store file on this machine, not on a server ({loc})"
        ))
    })
}

/// What a command ended with: an exit code (0 when all went well).
pub type Outcome = Result<i32, ServiceError>;

/// The system config: on a shared server the one it read at start; else read once.
pub(crate) fn system() -> Result<SystemConfig, ServiceError> {
    if let Some(c) = shared::config() {
        return Ok(c);
    }
    static SYS: OnceLock<Result<SystemConfig, String>> = OnceLock::new();
    SYS.get_or_init(|| SystemConfig::load(false))
        .clone()
        .map_err(ServiceError::Setup)
}

/// A command that works on the store's own files, given a records server's address.
fn on_the_server(what: &str) -> ServiceError {
    ServiceError::Usage(format!(
        "`chartroom {what}` works on the store itself: run it on the records server, where the store is"
    ))
}

/// Runs a parsed command. `None` (no command) is handled by the caller (the screens).
pub fn run(cli: &Cli, cmd: &Command) -> Outcome {
    let path = cli.store()?;
    crate::secrets::passphrase::set_fd(cli.passphrase_fd);
    match cmd {
        Command::Init(a) => match &path {
            Location::Server(url) => demo::init_server(url, a),
            Location::File(p) => demo::init(p, a),
            Location::Service(_) => Err(on_the_server("init")),
        },
        Command::Store(c) => remote::copy(c),
        Command::Key(c) => key::run(file(&path)?, c),
        Command::Demo(a) => demo::demo(file(&path)?, a).map(|_| 0),
        Command::Patient(c) => patient::run(&path, c),
        Command::Encounter(EncounterCmd::Edit(a)) => edit::encounter(&path, a),
        Command::Document(DocumentCmd::Edit(a)) => edit::document(&path, a),
        Command::Find(a) => find::run(&path, a),
        Command::Show(a) => show::run(&path, a),
        Command::User(c) => user::run(&path, c),
        Command::Site(c) => site::run(&path, c),
        Command::Audit(c) => audit::run(&path, c),
        Command::Alerts(a) => audit::alerts(&path, a),
        Command::Backup(a) => match &path {
            Location::Server(url) => remote::backup(url, a),
            Location::File(p) => backup::backup(p, a),
            Location::Service(_) => Err(on_the_server("backup")),
        },
        Command::Restore(a) => match &path {
            Location::Server(url) => remote::restore(url, a),
            Location::File(p) => backup::restore(p, a),
            Location::Service(_) => Err(on_the_server("restore")),
        },
        Command::Server(c) => server::run(cli, c),
        Command::Check => check(&path),
        Command::Serve(a) => records::serve(&path, a),
        Command::Login(a) => records::login(a),
        Command::Logout(a) => records::logout(&path, a),
    }
}

/// `chartroom check`: the store's own checks when it opens; when it does not, what is wrong
/// with the file and what to do.
fn check(path: &Location) -> Outcome {
    let mut svc = match open(path) {
        Ok(s) => s,
        Err(e) if e.is_damaged_store() => {
            let Some(f) = path.as_file() else {
                return Err(e);
            };
            let mut found = crate::service::diagnose_store(f);
            if found.is_empty() {
                found.push(format!(
                    "{e}; restore the newest backup (an administrator runs `chartroom restore BACKUP`)"
                ));
            }
            let shown = (|| {
                for p in &found {
                    outln!("problem: {}", Text::from(p.as_str()))?;
                }
                outln!(
                    "{} problem(s) found; the store cannot be used until it is repaired or restored.",
                    found.len()
                )?;
                Ok(3)
            })();
            return out::keep_code(3, shown);
        }
        Err(e) => return Err(e),
    };
    let problems = svc.check()?;
    let code = if problems.is_empty() { 0 } else { 3 };
    let shown = (|| {
        if problems.is_empty() {
            outln!("The store is sound: no problems found.")?;
        } else {
            for p in &problems {
                outln!("problem: {}", Text::from(p.as_str()))?;
            }
            outln!("{} problem(s) found.", problems.len())?;
        }
        Ok(code)
    })();
    out::keep_code(code, shown)
}

/// The service for a command: the store on this machine, or a records server (`--db
/// chartroom://…`), whose requests go over the connection.
pub(crate) fn open(loc: &Location) -> Result<Conn, ServiceError> {
    if shared::dropped() {
        return Service::open(loc, Clock::System).map(Conn::from);
    }
    if !loc.exists() {
        return Err(ServiceError::no_store(loc));
    }
    crate::serve::open(loc, Clock::System)
}

/// The service on this machine, for the commands that work on the store's files (backup,
/// restore, key changes): on a records server's clients they are refused with a reason.
pub(crate) fn open_local(loc: &Location) -> Result<Service, ServiceError> {
    if let Location::Service(a) = loc {
        return Err(ServiceError::Usage(format!(
            "this command works on the store's files, on the machine that holds them; run it on the records server itself (as its administrator), not through {a}"
        )));
    }
    if shared::dropped() {
        return Service::open(loc, Clock::System);
    }
    if !loc.exists() {
        return Err(ServiceError::no_store(loc));
    }
    Service::open(loc, Clock::System)
}

/// A value or a dash, for optional fields in plain tables.
pub(crate) fn or_dash(t: &Option<Text>) -> &dyn std::fmt::Display {
    match t {
        Some(t) => t,
        None => &"-",
    }
}

/// Cuts or pads what a value shows to a display width (for plain tables). Whatever it is
/// given is made safe for the terminal here (a `Text` already shows itself safely).
pub(crate) fn cell(v: impl std::fmt::Display, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let shown = Text::from(v.to_string());
    let mut out = String::new();
    let mut w = 0;
    for c in shown.shown().chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > width {
            if let Some(last) = out.pop() {
                w -= last.width().unwrap_or(0);
            }
            out.push('…');
            w += 1;
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push_str(&" ".repeat(width.saturating_sub(w)));
    out
}
