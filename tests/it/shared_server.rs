//! Issue 11, the shared records server, tested as unprivileged users (root ignores file
//! permissions). Needs root: it creates the `chartroom` group and users with groupadd and
//! useradd, installs a setgid binary with `chartroom server install` and writes
//! /etc/chartroom/config.toml. So every test here is `#[ignore]`d; .ci/run runs them with
//! `--include-ignored` as root, where they FAIL (never skip) when something they need is
//! missing or setgid does not work on this machine's file system.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, OnceLock};

use super::common::{stderr, stdout};

const BASE: &str = "/var/lib/chartroom-ci";
const ADMIN: &str = "crs-admin";
const TECH: &str = "crs-tech";
const AUDIT: &str = "crs-audit";
const OFF: &str = "crs-off";
const STRANGER: &str = "crs-stranger";

struct Server {
    bin: PathBuf,
    store: PathBuf,
    backups: PathBuf,
    anchors: PathBuf,
    public: PathBuf,
}

fn sh(cmd: &str, args: &[&str]) -> Output {
    Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} is needed for the shared-server tests: {e}"))
}

fn must(o: Output, what: &str) -> Output {
    assert!(o.status.success(), "{what}: {}{}", stdout(&o), stderr(&o));
    o
}

fn user(name: &str) {
    if sh("id", &["-u", name]).status.success() {
        return;
    }
    must(
        sh(
            "useradd",
            &[
                "--no-create-home",
                "--user-group",
                "--shell",
                "/bin/sh",
                name,
            ],
        ),
        "useradd",
    );
}

/// Tests share one installation (the system config is one file): one at a time.
fn lock() -> MutexGuard<'static, ()> {
    static L: Mutex<()> = Mutex::new(());
    L.lock().unwrap_or_else(|e| e.into_inner())
}

fn server() -> &'static Server {
    static S: OnceLock<Server> = OnceLock::new();
    S.get_or_init(|| {
        // SAFETY: geteuid has no preconditions.
        assert_eq!(
            unsafe { libc::geteuid() },
            0,
            "the shared-server tests need root (they make users and a setgid binary); run them from .ci/run"
        );
        let base = Path::new(BASE);
        // The anchor file of an earlier run is append-only: even root must lift that first.
        let _ = Command::new("chattr")
            .args(["-a", &format!("{BASE}/log/anchors")])
            .output();
        let _ = std::fs::remove_dir_all(base);
        assert!(!base.exists(), "{BASE} is left from an earlier run and cannot be removed");
        let _ = std::fs::remove_file("/etc/chartroom/config.toml");
        std::fs::create_dir_all(base).expect("base");
        for u in [ADMIN, TECH, AUDIT, OFF, STRANGER] {
            user(u);
        }
        let s = Server {
            bin: base.join("bin/chartroom"),
            store: base.join("srv/site.db"),
            backups: base.join("srv/backups"),
            anchors: base.join("log/anchors"),
            public: base.join("public"),
        };
        std::fs::create_dir_all(s.store.parent().unwrap()).expect("srv");
        std::fs::create_dir_all(&s.public).expect("public");
        sh("chmod", &["1777", s.public.to_str().unwrap()]);
        // The demo store, built by root, then installed for the group.
        let root = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_chartroom"))
                .arg("--db")
                .arg(&s.store)
                .args(args)
                .env_remove("CHARTROOM_DB")
                .env("CHARTROOM_SYSTEM_CONFIG", "/nonexistent/chartroom-tests.toml")
                .output()
                .expect("chartroom")
        };
        must(root(&["demo", "--no-tui", "--patients", "300"]), "demo");
        for (name, role, login) in [
            ("admin2", "admin", ADMIN),
            ("tech2", "technician", TECH),
            ("auditor2", "auditor", AUDIT),
            ("off2", "technician", OFF),
        ] {
            must(
                root(&["user", "add", name, "--role", role, "--login", login, "--full-name", name]),
                "user add",
            );
        }
        must(root(&["user", "disable", "off2"]), "disable");
        let o = Command::new(env!("CARGO_BIN_EXE_chartroom"))
            .args(["server", "install", "--admin", ADMIN, "--store"])
            .arg(&s.store)
            .arg("--bin")
            .arg(&s.bin)
            .arg("--anchors")
            .arg(&s.anchors)
            .arg("--backups")
            .arg(&s.backups)
            .env_remove("CHARTROOM_DB")
            .output()
            .expect("install");
        must(o, "chartroom server install");
        // setgid must work where the binary is: fail (never skip) if it does not.
        let m = std::fs::metadata(&s.bin).expect("installed binary");
        assert_eq!(m.mode() & 0o7777, 0o2755, "the binary is setgid");
        let opts = sh("findmnt", &["-no", "OPTIONS", "-T", s.bin.to_str().unwrap()]);
        assert!(
            !stdout(&opts).contains("nosuid"),
            "{} is on a nosuid file system: setgid cannot work there",
            s.bin.display()
        );
        s
    })
}

/// Runs the installed setgid binary as `login` (real and effective uid and gid that user's,
/// no supplementary groups), with `env` added.
fn as_login(login: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let s = server();
    let home = format!("/tmp/{login}-home");
    let _ = std::fs::create_dir_all(&home);
    sh("chown", &[login, &home]);
    let mut c = Command::new("setpriv");
    c.args([
        &format!("--reuid={login}"),
        &format!("--regid={login}"),
        "--clear-groups",
        "--",
    ])
    .arg(&s.bin)
    .args(args)
    .env_clear()
    .env("PATH", "/usr/bin:/bin")
    .env("HOME", &home);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("setpriv (util-linux)")
}

fn plain_mrn() -> String {
    let c = rusqlite::Connection::open(&server().store).expect("root reads it");
    c.query_row(
        "SELECT mrn FROM patients WHERE restricted = 0 AND employee = 0 AND part2 = 0 ORDER BY id LIMIT 1",
        [],
        |r| r.get(0),
    )
    .expect("mrn")
}

fn last_row_login() -> (String, String, String) {
    let c = rusqlite::Connection::open(&server().store).expect("root reads it");
    c.query_row(
        "SELECT os_login, action, outcome FROM audit ORDER BY id DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .expect("row")
}

#[test]
#[ignore]
fn shared_server_a_user_cannot_read_the_store_with_sqlite3() {
    let _l = lock();
    let s = server();
    for login in [TECH, OFF, STRANGER] {
        let o = Command::new("setpriv")
            .args([
                &format!("--reuid={login}"),
                &format!("--regid={login}"),
                "--clear-groups",
                "--",
            ])
            .args([
                "sqlite3",
                s.store.to_str().unwrap(),
                "SELECT count(*) FROM patients",
            ])
            .output()
            .expect("setpriv sqlite3");
        assert!(
            !o.status.success(),
            "{login} read the store: {}",
            stdout(&o)
        );
        let o = Command::new("setpriv")
            .args([
                &format!("--reuid={login}"),
                &format!("--regid={login}"),
                "--clear-groups",
                "--",
            ])
            .args(["cat", s.store.to_str().unwrap()])
            .output()
            .expect("setpriv cat");
        assert!(
            !o.status.success() && o.stdout.is_empty(),
            "{login} read the file"
        );
    }
    // Nor the users table through any other file of the folder.
    let m = std::fs::metadata(s.store.parent().unwrap()).expect("folder");
    assert_eq!(m.mode() & 0o7777, 0o2770);
    assert_eq!(
        std::fs::metadata(&s.store).expect("store").mode() & 0o777,
        0o660
    );
}

#[test]
#[ignore]
fn shared_server_chartroom_works_for_a_user_through_the_setgid_binary() {
    let _l = lock();
    let mrn = plain_mrn();
    let o = as_login(TECH, &["find", "smith"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("MRN"), "{}", stdout(&o));
    let o = as_login(TECH, &["show", &mrn], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (login, action, outcome) = last_row_login();
    assert_eq!(
        (login.as_str(), action.as_str(), outcome.as_str()),
        (TECH, "chart_open", "ok")
    );
    // The screens open too (two connections, then the group is dropped): a pty from script.
    let cmd = format!("{} --bench-first-frame smith", server().bin.display());
    let o = Command::new("setpriv")
        .args([
            &format!("--reuid={TECH}"),
            &format!("--regid={TECH}"),
            "--clear-groups",
            "--",
        ])
        .args(["script", "-qec", &cmd, "/dev/null"])
        .env("HOME", format!("/tmp/{TECH}-home"))
        .env("TERM", "xterm")
        .output()
        .expect("script");
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(all.contains("first frame"), "{all}");
    // Nothing it wrote made the store readable to others.
    for f in std::fs::read_dir(server().store.parent().unwrap()).expect("dir") {
        let f = f.expect("entry").path();
        let m = std::fs::metadata(&f).expect("meta");
        assert_eq!(m.mode() & 0o007, 0, "{} is open to others", f.display());
    }
}

#[test]
#[ignore]
fn shared_server_a_disabled_user_gets_nothing() {
    let _l = lock();
    let mrn = plain_mrn();
    for args in [
        vec!["find", "smith"],
        vec!["show", mrn.as_str()],
        vec!["user", "list"],
    ] {
        let o = as_login(OFF, &args, &[]);
        assert_eq!(o.status.code(), Some(4), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{}", stdout(&o));
        assert!(stderr(&o).contains("disabled"), "{}", stderr(&o));
    }
    let o = as_login(STRANGER, &["find", "smith"], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let (login, action, outcome) = last_row_login();
    assert_eq!(
        (login.as_str(), action.as_str(), outcome.as_str()),
        (STRANGER, "login_refused", "denied")
    );
}

#[test]
#[ignore]
fn shared_server_chartroom_db_pointing_at_another_store_is_refused() {
    let _l = lock();
    let s = server();
    let other = s.public.join("other.db");
    let _ = std::fs::remove_file(&other);
    let o = Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .args(["--db", other.to_str().unwrap(), "init"])
        .output()
        .expect("another store");
    assert!(o.status.success());
    sh("chmod", &["0666", other.to_str().unwrap()]);
    let o = as_login(
        TECH,
        &["find", "smith"],
        &[("CHARTROOM_DB", other.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("opens only the store"),
        "{}",
        stderr(&o)
    );
    let o = as_login(
        TECH,
        &["--db", other.to_str().unwrap(), "find", "smith"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Naming the store it serves is allowed.
    let o = as_login(
        TECH,
        &["--db", s.store.to_str().unwrap(), "find", "smith"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Another system config is ignored: the user's own config cannot move anchors or stores.
    let evil = s.public.join("evil.toml");
    std::fs::write(
        &evil,
        format!("store = {:?}\n", other.display().to_string()),
    )
    .expect("evil");
    let o = as_login(
        TECH,
        &["find", "smith"],
        &[("CHARTROOM_SYSTEM_CONFIG", evil.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("MRN"), "the real store answered");
    // init and demo have no place here; the keyring is never used.
    for args in [
        vec!["init"],
        vec!["demo", "--no-tui"],
        vec!["key", "unlock"],
    ] {
        let o = as_login(ADMIN, &args, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
}

#[test]
#[ignore]
fn shared_server_user_named_paths_that_lead_to_the_store_are_refused() {
    let _l = lock();
    let s = server();
    let link = s.public.join("anchors-link");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&s.store, &link).expect("symlink");
    // A hard link in a place the user can reach (root makes it; the kernel would not let the
    // user): same file system, so inside the base.
    let reach = s.public.join("hard.db");
    let _ = std::fs::remove_file(&reach);
    std::fs::hard_link(&s.store, &reach).expect("hard link");
    let dir_link = s.public.join("srv-link");
    let _ = std::fs::remove_file(&dir_link);
    std::os::unix::fs::symlink(s.store.parent().unwrap(), &dir_link).expect("dir link");
    let mut paths: Vec<String> = vec![
        link.display().to_string(),
        reach.display().to_string(),
        format!("{}/site.db", dir_link.display()),
        format!("{}/../srv/site.db", s.public.display()),
        s.store.display().to_string(),
        s.anchors.display().to_string(),
    ];
    for n in 3..12 {
        paths.push(format!("/proc/self/fd/{n}"));
    }
    let mut refused_fd = 0;
    for p in &paths {
        for cmd in [
            vec!["audit", "verify", "--anchors", p],
            vec!["audit", "anchor", "--anchors", p],
        ] {
            let o = as_login(AUDIT, &cmd, &[]);
            let err = stderr(&o);
            if p.starts_with("/proc/self/fd/") {
                if err.contains("leads to the records store") {
                    refused_fd += 1;
                }
                assert_ne!(o.status.code(), Some(0), "{cmd:?}: {}", stdout(&o));
                continue;
            }
            assert_eq!(o.status.code(), Some(2), "{cmd:?}: {}{err}", stdout(&o));
            assert!(err.contains("leads to the records store"), "{cmd:?}: {err}");
        }
    }
    assert!(refused_fd > 0, "no /proc/self/fd path was the store's");
    // The store is as it was: nothing appended to it through a link.
    let o = as_login(TECH, &["find", "smith"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let _ = std::fs::remove_file(&reach);
}

#[test]
#[ignore]
fn shared_server_backups_restores_and_anchors_stay_in_the_configured_places() {
    let _l = lock();
    let s = server();
    let o = as_login(AUDIT, &["audit", "anchor"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = as_login(AUDIT, &["audit", "verify"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // A backup goes to the configured folder only, by an administrator only.
    let o = as_login(TECH, &["backup"], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let o = as_login(ADMIN, &["backup", "/tmp/mine.db"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = as_login(ADMIN, &["backup"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let name = std::fs::read_dir(&s.backups)
        .expect("backups")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .find(|n| n.contains(".backup-"))
        .expect("a backup in the folder");
    assert_eq!(
        std::fs::metadata(s.backups.join(&name))
            .expect("meta")
            .mode()
            & 0o007,
        0
    );
    let o = as_login(TECH, &["find", "jones"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let o = as_login(AUDIT, &["audit", "anchor"], &[]);
    assert_eq!(o.status.code(), Some(0));
    // A restore names the backup by its name in the folder, never a path.
    let o = as_login(ADMIN, &["restore", "/tmp/x.db", "--yes"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = as_login(ADMIN, &["restore", &name, "--yes"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let o = as_login(AUDIT, &["audit", "verify"], &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "after the restore: {}{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(stdout(&o).contains("archived at"), "{}", stdout(&o));
}

#[test]
#[ignore]
fn shared_server_refuses_a_store_folder_open_to_others_or_a_binary_not_as_installed() {
    let _l = lock();
    let s = server();
    let dir = s.store.parent().unwrap().to_str().unwrap().to_string();
    sh("chmod", &["2777", &dir]);
    let o = as_login(TECH, &["find", "smith"], &[]);
    sh("chmod", &["2770", &dir]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("open to others"), "{}", stderr(&o));
    let bin = s.bin.to_str().unwrap();
    sh("chmod", &["2775", bin]);
    let o = as_login(TECH, &["find", "smith"], &[]);
    sh("chmod", &["2755", bin]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("writable by nobody else"),
        "{}",
        stderr(&o)
    );
    let o = as_login(TECH, &["find", "smith"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
