//! The shared records server: technicians SSH into one machine and share one store, which
//! none of them may read or write except through chartroom. The classic Unix answer, as
//! crontab and the mail tools use: a `chartroom` group owns the store folder and its files
//! (folder 2770, files 0660); users are not in the group; the installed binary is setgid
//! `chartroom`.
//!
//! The sequence, in this order (see `cli::server` for which command needs what):
//!
//! 1. [`detect`]: the process runs with an effective group other than its real one (the
//!    setgid bit did that) and is not root: this mode. It is made non-dumpable at once (no
//!    core file, no ptrace by the user, no `/proc/PID/fd` from outside).
//! 2. [`begin`]: only the system config (`/etc/chartroom/config.toml`) is read; `--db`,
//!    `CHARTROOM_DB` and `CHARTROOM_SYSTEM_CONFIG` cannot point chartroom elsewhere; the
//!    installation is checked (the binary setgid to the configured group, root's, writable by
//!    nobody else; the store folder and files the group's, nothing for others).
//! 3. [`prepare`]: every store connection the process will need is opened (the screens'
//!    worker and job lane included), each forced to open the WAL and SHM with a first read;
//!    the configured anchor file is read and opened for appending.
//! 4. [`drop_group`]: `setresgid(real, real, real)`, so the saved set-group-ID cannot take
//!    the group back, checked. Only then is anything a user names read or written, and
//!    [`check_user_path`] refuses a path that leads to the store (a symlink, `/proc/self/fd`,
//!    a hard link).
//!
//! Administrator commands on the store folder itself (backup, restore, key changes) keep the
//! group instead of dropping it; they take no path from the user at all.
//!
//! The user is identified by the real uid (`identity::os_login`). The data key of an
//! encrypted store is never cached in the user's keyring here (the user could read it with
//! keyctl): each process unwraps the user's own key slot from a typed passphrase and keeps
//! the key in memory only.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::config::SystemConfig;
use crate::store::Location;

use super::audit::AnchorLog;
use super::{Clock, Result, Service, ServiceError};

static ACTIVE: AtomicBool = AtomicBool::new(false);
static STATE: Mutex<Option<State>> = Mutex::new(None);

struct State {
    config: SystemConfig,
    store: PathBuf,
    /// Folders a user-named path must not lead into.
    folders: Vec<PathBuf>,
    /// (device, inode) of every file a user-named path must not be.
    files: Vec<(u64, u64)>,
    services: Vec<Service>,
    anchors: Option<AnchorLog>,
    real_gid: libc::gid_t,
    group_gid: libc::gid_t,
    dropped: bool,
}

/// Whether this process runs as the shared server's setgid binary.
pub fn active() -> bool {
    ACTIVE.load(Ordering::SeqCst)
}

fn resgid() -> (libc::gid_t, libc::gid_t, libc::gid_t) {
    let (mut r, mut e, mut s) = (0, 0, 0);
    // SAFETY: getresgid writes three gids into the locals.
    unsafe { libc::getresgid(&mut r, &mut e, &mut s) };
    (r, e, s)
}

/// Step 1: notices the setgid bit (effective group other than the real one, for anyone but
/// root) and, if so, makes the process non-dumpable at once.
pub fn detect() -> bool {
    let (r, e, _) = resgid();
    // SAFETY: getuid has no preconditions.
    let root = unsafe { libc::getuid() } == 0;
    let on = r != e && !root;
    if on {
        // SAFETY: prctl with PR_SET_DUMPABLE takes an int argument.
        unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
        ACTIVE.store(true, Ordering::SeqCst);
    }
    on
}

/// The gid of a group by name.
pub fn group_id(name: &str) -> Option<libc::gid_t> {
    let c = std::ffi::CString::new(name).ok()?;
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut out: *mut libc::group = std::ptr::null_mut();
    // SAFETY: getgrnam_r writes into our buffers only; we read gr_gid before they drop.
    let rc =
        unsafe { libc::getgrnam_r(c.as_ptr(), &mut grp, buf.as_mut_ptr(), buf.len(), &mut out) };
    (rc == 0 && !out.is_null()).then_some(grp.gr_gid)
}

fn setup(msg: String) -> ServiceError {
    ServiceError::Setup(msg)
}

/// Step 2: reads the system config and checks the installation. `asked`: the store named
/// by `--db` or `CHARTROOM_DB`, if any (refused unless it is the configured store).
pub fn begin(asked: Option<&Location>) -> Result<PathBuf> {
    let config = SystemConfig::load(true).map_err(setup)?;
    let Some(store) = config.store.clone() else {
        return Err(setup(format!(
            "this chartroom is installed for a shared records server, but {} names no store; ask your administrator (`chartroom server install`)",
            crate::config::SYSTEM_CONFIG
        )));
    };
    if let Some(loc) = asked {
        // Compared as written (components, so `a//b` and `a/./b` are the same): resolving the
        // user's path would touch it while the group is still held.
        let same = matches!(loc, Location::File(p) if p == &store);
        if !same {
            return Err(ServiceError::Usage(format!(
                "on this records server chartroom opens only the store {}; --db and CHARTROOM_DB cannot point it elsewhere",
                store.display()
            )));
        }
    }
    let gid = group_id(config.group()).ok_or_else(|| {
        setup(format!(
            "the group {} named by {} does not exist; ask your administrator",
            config.group(),
            crate::config::SYSTEM_CONFIG
        ))
    })?;
    let (real, effective, _) = resgid();
    check_binary(gid, effective)?;
    let dir = store
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    check_folder(&dir, gid, "store folder")?;
    let mut folders = vec![dir.clone()];
    if let Ok(c) = std::fs::canonicalize(&dir) {
        folders.push(c);
    }
    if let Some(b) = &config.backups {
        if b.exists() {
            check_folder(b, gid, "backups folder")?;
        }
        folders.push(b.clone());
        if let Ok(c) = std::fs::canonicalize(b) {
            folders.push(c);
        }
    }
    let mut files = Vec::new();
    for f in store_files(&store) {
        if let Ok(m) = std::fs::metadata(&f) {
            if m.mode() & 0o007 != 0 {
                return Err(setup(format!(
                    "{} can be used by anyone on this machine (mode {:o}); an administrator must run `chmod o= {}`",
                    f.display(),
                    m.mode() & 0o7777,
                    f.display()
                )));
            }
            files.push((m.dev(), m.ino()));
        }
    }
    if let Some(a) = &config.audit_anchors
        && let Ok(m) = std::fs::metadata(a)
    {
        files.push((m.dev(), m.ino()));
    }
    for d in &folders {
        if let Ok(m) = std::fs::metadata(d) {
            files.push((m.dev(), m.ino()));
        }
    }
    *STATE.lock().unwrap_or_else(|e| e.into_inner()) = Some(State {
        config,
        store: store.clone(),
        folders,
        files,
        services: Vec::new(),
        anchors: None,
        real_gid: real,
        group_gid: gid,
        dropped: false,
    });
    Ok(store)
}

/// The store file and the files SQLite and chartroom keep beside it.
fn store_files(store: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm", "-journal", ".keys"]
        .iter()
        .map(|s| {
            let mut p = store.as_os_str().to_owned();
            p.push(s);
            PathBuf::from(p)
        })
        .collect()
}

/// The running binary must be root's, setgid to the store's group, and writable by nobody
/// else (a group-writable binary would let anyone holding the group replace it).
fn check_binary(gid: libc::gid_t, effective: libc::gid_t) -> Result<()> {
    let m = std::fs::metadata("/proc/self/exe")
        .map_err(|e| setup(format!("cannot check the chartroom binary ({e})")))?;
    let mode = m.mode();
    if mode & 0o2000 == 0 || m.gid() != gid || effective != gid {
        return Err(setup(
            "this chartroom is not the shared server's binary as installed (it must be setgid to the store's group); ask your administrator to run `chartroom server install`".into(),
        ));
    }
    if m.uid() != 0 || mode & 0o022 != 0 {
        return Err(setup(format!(
            "the chartroom binary must be root's and writable by nobody else (it is mode {:o}); an administrator must run `chartroom server install` again",
            mode & 0o7777
        )));
    }
    Ok(())
}

/// A folder of the shared server: the group's, with nothing for anyone else.
pub fn check_folder(dir: &Path, gid: libc::gid_t, what: &str) -> Result<()> {
    let m = std::fs::metadata(dir)
        .map_err(|e| setup(format!("the {what} {} cannot be used ({e})", dir.display())))?;
    if m.mode() & 0o007 != 0 || m.gid() != gid || !m.is_dir() {
        return Err(setup(format!(
            "the {what} {} is open to others (mode {:o}, group {}): it must belong to the store's group with nothing for anyone else; an administrator must run `chmod 2770 {}` (or `chartroom server install`)",
            dir.display(),
            m.mode() & 0o7777,
            m.gid(),
            dir.display()
        )));
    }
    Ok(())
}

fn with_state<T>(f: impl FnOnce(&mut State) -> T) -> Option<T> {
    STATE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_mut()
        .map(f)
}

/// Step 3: opens `sessions` services on the store (each with its WAL and SHM open) and, when
/// `anchors`, the configured anchor file. Call while the group is still held.
pub fn prepare(sessions: usize, anchors: bool, clock: Clock) -> Result<()> {
    let store = with_state(|s| s.store.clone()).ok_or_else(|| setup("not begun".into()))?;
    let mut opened = Vec::with_capacity(sessions);
    for _ in 0..sessions {
        let svc = Service::open(&Location::File(store.clone()), clock)?;
        // A first read in a transaction opens the WAL and the shared-memory index now.
        crate::store::read_tx(svc.db(), |tx| {
            tx.count("SELECT count(*) FROM sqlite_master", &[])
        })?;
        opened.push(svc);
    }
    let log = if anchors {
        with_state(|s| s.config.audit_anchors.clone())
            .flatten()
            .map(|p| AnchorLog::open(&p))
    } else {
        None
    };
    with_state(|s| {
        s.services.extend(opened);
        s.anchors = log;
    });
    Ok(())
}

/// Step 4: drops the group for good and checks that it is gone.
pub fn drop_group() -> Result<()> {
    let Some((real, group)) = with_state(|s| (s.real_gid, s.group_gid)) else {
        return Ok(());
    };
    // SAFETY: setresgid changes this process's gids; glibc applies it to every thread.
    let rc = unsafe { libc::setresgid(real, real, real) };
    let after = resgid();
    // SAFETY: setegid asks for the group back; it must be refused now.
    let regained = unsafe { libc::setegid(group) } == 0;
    if rc != 0 || after != (real, real, real) || regained {
        return Err(setup(
            "chartroom could not give up the store's group; nothing was done".into(),
        ));
    }
    with_state(|s| s.dropped = true);
    Ok(())
}

/// Whether the group has been dropped.
pub fn dropped() -> bool {
    with_state(|s| s.dropped).unwrap_or(false)
}

/// One of the services [`prepare`] opened.
pub fn take_service() -> Option<Service> {
    with_state(|s| (!s.services.is_empty()).then(|| s.services.remove(0))).flatten()
}

/// The anchor file [`prepare`] opened.
pub fn take_anchor_log() -> Option<AnchorLog> {
    with_state(|s| s.anchors.take()).flatten()
}

/// The system config as this shared server read it.
pub fn config() -> Option<SystemConfig> {
    with_state(|s| s.config.clone())
}

/// `p` made absolute, `.` and `..` applied and every symbolic link on the way replaced by
/// what it says (read with `readlink`, so it works where the process may not look inside the
/// folder the link points to). Gives up following after 40 links.
fn resolve_links(p: &Path) -> PathBuf {
    use std::collections::VecDeque;
    use std::path::Component;
    let start = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut pending: VecDeque<std::ffi::OsString> = VecDeque::new();
    let mut out = PathBuf::from("/");
    let push_all = |pending: &mut VecDeque<std::ffi::OsString>, path: &Path, front: bool| {
        let parts: Vec<std::ffi::OsString> = path
            .components()
            .filter_map(|c| match c {
                Component::Normal(n) => Some(n.to_os_string()),
                Component::ParentDir => Some("..".into()),
                _ => None,
            })
            .collect();
        if front {
            for part in parts.into_iter().rev() {
                pending.push_front(part);
            }
        } else {
            pending.extend(parts);
        }
    };
    push_all(&mut pending, &start, false);
    let mut hops = 0;
    while let Some(part) = pending.pop_front() {
        if part == ".." {
            out.pop();
            continue;
        }
        out.push(&part);
        if hops < 40
            && let Ok(target) = std::fs::read_link(&out)
        {
            hops += 1;
            out.pop();
            if target.is_absolute() {
                out = PathBuf::from("/");
            }
            push_all(&mut pending, &target, true);
        }
    }
    out
}

/// Refuses a path a user named (a file to read, a destination to write) when it leads to the
/// store or its folders: through a symlink, `/proc/self/fd/N`, a hard link, `..`, or
/// directly. Does nothing outside the shared-server mode. Call it before opening the path;
/// the kernel refuses the rest (the group is gone by then).
pub fn check_user_path(p: &Path) -> Result<()> {
    let Some((folders, files)) = with_state(|s| (s.folders.clone(), s.files.clone())) else {
        return Ok(());
    };
    let refuse = || {
        ServiceError::Usage(format!(
            "{} leads to the records store or its folders; chartroom reads and writes those only itself, never as a file you name",
            p.display()
        ))
    };
    // The file itself, followed through links (and /proc/self/fd's magic links).
    if let Ok(m) = std::fs::metadata(p)
        && files.contains(&(m.dev(), m.ino()))
    {
        return Err(refuse());
    }
    // Where it lies, with every symlink on the way followed by reading the link itself
    // (which needs no permission on what it points at; /proc/self/fd/N reads as the file
    // behind the descriptor): inside a protected folder, or one of its files, is refused.
    let resolved = resolve_links(p);
    for f in &folders {
        if resolved.starts_with(f) {
            return Err(refuse());
        }
    }
    // Every folder on the way, in case one of them is a protected one reached another way
    // (a bind mount, a hard-linked file's folder).
    let mut cur = resolved;
    loop {
        if let Ok(m) = std::fs::metadata(&cur)
            && files.contains(&(m.dev(), m.ino()))
        {
            return Err(refuse());
        }
        if !cur.pop() {
            break;
        }
    }
    Ok(())
}
