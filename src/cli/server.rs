//! The shared records server: what each command needs before the store's group is dropped
//! ([`enter`], the sequence in `service/shared.rs`), and `chartroom server install` (root).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command as Proc;

use clap::{Args, Subcommand};

use crate::domain::Text;
use crate::service::{Clock, ServiceError, shared};

use super::audit::AuditCmd;
use super::key::KeyCmd;
use super::{Cli, Command, Outcome};

/// How many store connections the screens open: the store worker's and the job lane's.
pub const SCREEN_CONNECTIONS: usize = 2;

#[derive(Debug, Subcommand)]
pub enum ServerCmd {
    /// Set this machine up as a shared records server (run as root): the group, a private
    /// store folder, the store, the anchor file, the backups folder, the system config and a
    /// setgid copy of this chartroom.
    Install(InstallArgs),
    /// The credential (token) this account uses for a libSQL store server, kept in its OS
    /// keyring: `set URL` (asked for without echo, or read from --passphrase-fd; the server
    /// is asked first), `forget URL`.
    #[command(subcommand)]
    Token(super::remote::TokenCmd),
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The OS login of the store's first administrator.
    #[arg(long, value_name = "LOGIN")]
    pub admin: String,
    /// The store file (its folder becomes the group's, mode 2770).
    #[arg(long, default_value = "/srv/chartroom/site.db", value_name = "PATH")]
    pub store: PathBuf,
    /// Where the setgid binary goes.
    #[arg(long, default_value = "/usr/local/bin/chartroom", value_name = "PATH")]
    pub bin: PathBuf,
    /// The append-only anchor file.
    #[arg(
        long,
        default_value = "/var/log/chartroom/anchors",
        value_name = "PATH"
    )]
    pub anchors: PathBuf,
    /// The backups folder.
    #[arg(long, default_value = "/srv/chartroom/backups", value_name = "PATH")]
    pub backups: PathBuf,
    /// The group.
    #[arg(long, default_value = "chartroom", value_name = "NAME")]
    pub group: String,
    /// Encrypt the store (the administrator's key passphrase is asked for, or read from
    /// --passphrase-fd; the recovery passphrase is printed once).
    #[arg(long)]
    pub encrypt: bool,
}

/// What a command needs on a shared server before the group goes.
enum Need {
    /// Refused here, with why.
    Refused(&'static str),
    /// Open this many store connections (and the anchor file), then drop the group.
    Drop { sessions: usize, anchors: bool },
    /// An administrator's work on the store folder itself: keeps the group, names no path.
    Keep,
}

fn need(cmd: Option<&Command>) -> Need {
    use Need::*;
    match cmd {
        None => Drop {
            sessions: SCREEN_CONNECTIONS,
            anchors: false,
        },
        Some(Command::Init(_)) => {
            Refused("on a shared records server the store is made by `chartroom server install`")
        }
        Some(Command::Store(_)) => Refused(
            "a store is copied with an ordinary chartroom binary by its administrator, not on a shared records server",
        ),
        Some(Command::Demo(_)) => Refused(
            "the demo does not run on a shared records server; build it on your own machine",
        ),
        Some(Command::Server(_)) => {
            Refused("`chartroom server` is run by root with an ordinary chartroom binary")
        }
        Some(Command::Serve(_)) => Refused(
            "`chartroom serve` runs as the store's own account with an ordinary chartroom binary, never through the setgid one",
        ),
        Some(Command::Key(KeyCmd::Unlock | KeyCmd::Lock)) => Refused(
            "on a shared records server the store's key is never kept in your keyring: each session asks for your passphrase",
        ),
        Some(Command::Key(_) | Command::Backup(_) | Command::Restore(_) | Command::Check) => Keep,
        Some(Command::Audit(
            AuditCmd::Verify { anchors, .. } | AuditCmd::Anchor { anchors, .. },
        )) => Drop {
            sessions: 1,
            anchors: anchors.is_none(),
        },
        Some(_) => Drop {
            sessions: 1,
            anchors: false,
        },
    }
}

/// On a shared server's setgid binary: the sequence of `service/shared.rs`, as the command
/// needs it. Elsewhere nothing.
pub fn enter(cli: &Cli) -> Result<(), ServiceError> {
    if !shared::detect() {
        return Ok(());
    }
    let asked = match &cli.db {
        Some(s) => Some(crate::service::Location::parse(s)?),
        None => None,
    };
    shared::begin(asked.as_ref())?;
    crate::secrets::passphrase::set_fd(cli.passphrase_fd);
    match need(cli.command.as_ref()) {
        Need::Refused(why) => Err(ServiceError::Usage(why.into())),
        Need::Keep => Ok(()),
        Need::Drop { sessions, anchors } => {
            shared::prepare(sessions, anchors, Clock::System)?;
            shared::drop_group()
        }
    }
}

pub fn run(_cli: &Cli, c: &ServerCmd) -> Outcome {
    match c {
        ServerCmd::Install(a) => install(a),
        ServerCmd::Token(t) => super::remote::token(t),
    }
}

fn step(what: &str) -> Result<(), ServiceError> {
    outln!("  {what}")
}

fn fail(what: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Setup(format!("{what}: {e}"))
}

fn chown(p: &Path, uid: u32, gid: u32) -> Result<(), ServiceError> {
    std::os::unix::fs::chown(p, Some(uid), Some(gid))
        .map_err(|e| fail(&format!("cannot give {} to its owner", p.display()), e))
}

fn chmod(p: &Path, mode: u32) -> Result<(), ServiceError> {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .map_err(|e| fail(&format!("cannot set the mode of {}", p.display()), e))
}

fn folder(p: &Path, gid: u32, mode: u32) -> Result<(), ServiceError> {
    std::fs::create_dir_all(p).map_err(|e| fail(&format!("cannot make {}", p.display()), e))?;
    chown(p, 0, gid)?;
    chmod(p, mode)
}

fn install(a: &InstallArgs) -> Outcome {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(ServiceError::Usage(
            "`chartroom server install` sets up users' access to the store: run it as root".into(),
        ));
    }
    for p in [&a.store, &a.bin, &a.anchors, &a.backups] {
        if !p.is_absolute() {
            return Err(ServiceError::Usage(format!(
                "{} must be an absolute path",
                p.display()
            )));
        }
    }
    outln!("Setting up a shared records server:")?;
    if shared::group_id(&a.group).is_none() {
        let ok = Proc::new("groupadd")
            .args(["--system", &a.group])
            .status()
            .map_err(|e| fail("cannot run groupadd", e))?;
        if !ok.success() {
            return Err(ServiceError::Setup(format!(
                "groupadd could not make the group {}",
                a.group
            )));
        }
        step(&format!("made the group {}", a.group))?;
    }
    let gid = shared::group_id(&a.group)
        .ok_or_else(|| ServiceError::Setup(format!("the group {} is missing", a.group)))?;
    let dir = a
        .store
        .parent()
        .ok_or_else(|| ServiceError::Usage("the store needs a folder".into()))?;
    folder(dir, gid, 0o2770)?;
    step(&format!(
        "{} belongs to root and {} (mode 2770)",
        dir.display(),
        a.group
    ))?;
    folder(&a.backups, gid, 0o2770)?;
    step(&format!(
        "backups go to {} (mode 2770)",
        a.backups.display()
    ))?;
    if let Some(adir) = a.anchors.parent() {
        std::fs::create_dir_all(adir).map_err(|e| fail("cannot make the anchor folder", e))?;
    }
    if !a.anchors.exists() {
        std::fs::write(&a.anchors, "").map_err(|e| fail("cannot make the anchor file", e))?;
    }
    chown(&a.anchors, 0, gid)?;
    chmod(&a.anchors, 0o660)?;
    let append_only = Proc::new("chattr")
        .args(["+a"])
        .arg(&a.anchors)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    step(&format!(
        "the anchor file {} is root's and {}'s (mode 0660){}",
        a.anchors.display(),
        a.group,
        if append_only {
            ", append-only (chattr +a)"
        } else {
            "; this file system cannot make it append-only (chattr +a): keep a copy of the anchors elsewhere too (syslog)"
        }
    ))?;
    if !a.store.exists() {
        make_store(a)?;
    }
    // Every file already in the folder (the store, its key file, logs SQLite left) is the
    // group's, with nothing for anyone else.
    let entries = std::fs::read_dir(dir).map_err(|e| fail("cannot read the store folder", e))?;
    for e in entries.flatten() {
        let f = e.path();
        match std::fs::symlink_metadata(&f) {
            Ok(m) if m.is_file() => {
                chown(&f, 0, gid)?;
                chmod(&f, 0o660)?;
            }
            Ok(m) if m.is_dir() => {
                chown(&f, 0, gid)?;
                chmod(&f, 0o2770)?;
            }
            _ => {}
        }
    }
    step(&format!(
        "the store {} is root's and {}'s (mode 0660); {} is its administrator",
        a.store.display(),
        a.group,
        Text::from(a.admin.as_str())
    ))?;
    write_config(a)?;
    install_binary(&a.bin, gid)?;
    step(&format!(
        "{} is setgid {} (mode 2755)",
        a.bin.display(),
        a.group
    ))?;
    outln!(
        "Done. Users must not be members of {}. Add each one with `chartroom user add NAME --role ROLE --login LOGIN --full-name \"...\"` (as {}), and run `chartroom audit anchor` from cron every 5 minutes.",
        a.group,
        Text::from(a.admin.as_str())
    )?;
    Ok(0)
}

/// The store, with `--admin` as its first administrator.
fn make_store(a: &InstallArgs) -> Result<(), ServiceError> {
    use crate::service::{NewStoreKey, create_store_for};
    if a.encrypt {
        let pass = super::key::new_passphrase(&a.admin)?;
        let recovery = crate::secrets::slots::recovery_passphrase();
        let none = crate::secrets::keyring::Cache::open(crate::secrets::keyring::Pin::Prompt);
        create_store_for(
            &a.store,
            Clock::System,
            NewStoreKey::Encrypted {
                pass: &pass,
                recovery: &recovery,
                cache: &none,
            },
            &a.admin,
        )?;
        super::key::print_recovery(&a.store, &recovery)?;
    } else {
        create_store_for(&a.store, Clock::System, NewStoreKey::Plain, &a.admin)?;
    }
    Ok(())
}

fn write_config(a: &InstallArgs) -> Result<(), ServiceError> {
    let path = Path::new(crate::config::SYSTEM_CONFIG);
    let text = format!(
        "# chartroom's system config (root's): read by every chartroom on this machine, and on\n\
         # a shared records server the only config it reads. Never kept in the store.\n\
         store = {:?}\n\
         audit_anchors = {:?}\n\
         backups = {:?}\n\
         group = {:?}\n",
        a.store.display().to_string(),
        a.anchors.display().to_string(),
        a.backups.display().to_string(),
        a.group
    );
    if let Ok(old) = std::fs::read_to_string(path)
        && old != text
    {
        step(&format!(
            "kept the existing {} (it differs from this install's settings: check it)",
            path.display()
        ))?;
        return Ok(());
    }
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|e| fail("cannot make /etc/chartroom", e))?;
    }
    std::fs::write(path, text).map_err(|e| fail("cannot write the system config", e))?;
    chown(path, 0, 0)?;
    chmod(path, 0o644)?;
    step(&format!("wrote {}", path.display()))
}

/// A copy of this binary at `bin`: root's, setgid to the group, writable by nobody else.
fn install_binary(bin: &Path, gid: u32) -> Result<(), ServiceError> {
    let me = std::env::current_exe().map_err(|e| fail("cannot find this chartroom", e))?;
    if let Some(d) = bin.parent() {
        std::fs::create_dir_all(d).map_err(|e| fail("cannot make the binary's folder", e))?;
    }
    let mut tmp = bin.as_os_str().to_owned();
    tmp.push(".installing");
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    std::fs::copy(&me, &tmp).map_err(|e| fail("cannot copy the binary", e))?;
    chown(&tmp, 0, gid)?;
    chmod(&tmp, 0o2755)?;
    std::fs::rename(&tmp, bin).map_err(|e| fail("cannot put the binary in place", e))?;
    let m = std::fs::metadata(bin).map_err(|e| fail("cannot check the binary", e))?;
    if m.mode() & 0o2000 == 0 {
        return Err(ServiceError::Setup(format!(
            "{} lost its setgid bit: its file system does not allow it (mounted nosuid?); install it elsewhere",
            bin.display()
        )));
    }
    Ok(())
}
