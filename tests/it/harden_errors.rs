//! Issue 11, errors rather than crashes: every command's output to a closed pipe ends
//! quietly and to a full disk says so (exit 3); an empty --db is refused (only init takes
//! it); a damaged version marker is named; with no room left on the disk the message says
//! "the disk is full; nothing was saved".

use std::os::fd::FromRawFd;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use super::common::{stderr, stdout, tmp};
use super::sec_support::*;

fn bin(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chartroom"));
    c.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CHARTROOM_DB")
        .env(
            "CHARTROOM_SYSTEM_CONFIG",
            "/nonexistent/chartroom-tests.toml",
        );
    c
}

/// Runs with standard output a pipe whose reading end is already closed.
fn to_closed_pipe(db: &Path, args: &[&str]) -> Output {
    let mut fds = [0; 2];
    // SAFETY: pipe fills the two descriptors; we own both.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    unsafe { libc::close(fds[0]) };
    // SAFETY: fds[1] is ours and handed over once.
    let w = unsafe { std::fs::File::from_raw_fd(fds[1]) };
    bin(db, args)
        .stdout(Stdio::from(w))
        .stderr(Stdio::piped())
        .output()
        .expect("run")
}

fn to_dev_full(db: &Path, args: &[&str]) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    bin(db, args)
        .stdout(Stdio::from(full))
        .stderr(Stdio::piped())
        .output()
        .expect("run")
}

/// Every command that prints, with what it ends with when its output is read in full.
fn commands(db: &Path, dir: &Path) -> Vec<(Vec<String>, i32)> {
    let (mrn, doc) = plain_patient(db);
    let _ = doc;
    let b = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        (v(&["--help"]), 0),
        (v(&["--version"]), 0),
        (v(&["find", "--help"]), 0),
        (v(&["find", "smith"]), 0),
        (v(&["find", "smith", "--json"]), 0),
        (v(&["show", &mrn]), 0),
        (v(&["show", &mrn, "--json"]), 0),
        (
            v(&[
                "patient",
                "add",
                "--family",
                "Pipeclosed",
                "--given",
                "Ann",
                "--dob",
                "1970-01-01",
                "--sex",
                "F",
            ]),
            0,
        ),
        (v(&["user", "list"]), 0),
        (v(&["user", "list", "--json"]), 0),
        (v(&["site", "show"]), 0),
        (v(&["site", "show", "--json"]), 0),
        (v(&["site", "permissions"]), 0),
        (v(&["site", "permissions", "--json"]), 0),
        (v(&["audit", "verify"]), 7),
        (v(&["audit", "verify", "--json"]), 7),
        (v(&["audit", "anchor", "--print"]), 0),
        (v(&["audit", "patient", &mrn]), 0),
        (v(&["audit", "patient", &mrn, "--json"]), 0),
        (v(&["audit", "user", "tech"]), 0),
        (v(&["alerts", "--all"]), 0),
        (v(&["alerts", "--all", "--json"]), 0),
        (v(&["check"]), 0),
        (v(&["backup", &b(&format!("b{}.db", rand()))]), 0),
        (v(&["user", "unlock", "tech"]), 0),
    ]
}

fn rand() -> u64 {
    let mut b = [0u8; 8];
    chartroom::secrets::fill_random(&mut b);
    u64::from_le_bytes(b)
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let dir = tmp();
    let db = store(dir.path());
    for (args, code) in commands(&db, dir.path()) {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = to_closed_pipe(&db, &a);
        let err = stderr(&o);
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "{a:?}: {err}"
        );
        assert_eq!(o.status.code(), Some(code), "{a:?}: {err}");
        assert!(
            err.is_empty() || code != 0 || a[0] == "patient",
            "{a:?} should be quiet: {err}"
        );
    }
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM patients WHERE family = 'Pipeclosed'"
        ),
        1,
        "the work was done"
    );
}

#[test]
fn a_full_disk_under_the_output_is_exit_3_with_a_message_for_every_command() {
    let dir = tmp();
    let db = store(dir.path());
    for (args, _) in commands(&db, dir.path()) {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = to_dev_full(&db, &a);
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{a:?}: {err}");
        assert_eq!(o.status.code(), Some(3), "{a:?}: {err}");
        assert!(
            err.contains("could not be written") && err.contains("full"),
            "{a:?}: {err}"
        );
    }
}

#[test]
fn an_empty_file_given_as_db_is_refused_and_only_init_uses_it() {
    let dir = tmp();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").expect("empty");
    for args in [
        vec!["find", "smith"],
        vec!["check"],
        vec!["user", "list"],
        vec!["audit", "verify"],
        vec!["demo", "--no-tui", "--patients", "10"],
    ] {
        let o = bin(&empty, &args).output().expect("run");
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("empty file") || stdout(&o).contains("empty file"),
            "{args:?}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        assert_eq!(
            std::fs::metadata(&empty).expect("meta").len(),
            0,
            "{args:?} left it alone"
        );
    }
    let o = bin(&empty, &["init"]).output().expect("init");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = bin(&empty, &["user", "list"]).output().expect("list");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&empty)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
}

#[test]
fn a_damaged_version_marker_is_named_and_nothing_is_changed() {
    let dir = tmp();
    let db = store(dir.path());
    raw(&db)
        .execute_batch("PRAGMA user_version = 1")
        .expect("damage the marker");
    let before = std::fs::read(&db).expect("read");
    let o = bin(&db, &["find", "smith"]).output().expect("run");
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    assert!(
        err.contains("version marker") && !err.contains("duplicate column"),
        "{err}"
    );
    let o = bin(&db, &["check"]).output().expect("check");
    assert_eq!(o.status.code(), Some(3));
    let out = stdout(&o);
    assert!(
        out.contains("version marker says 1, but its tables are version")
            && out.contains("chartroom restore"),
        "{out}"
    );
    assert_eq!(
        std::fs::read(&db).expect("read"),
        before,
        "nothing was changed"
    );
}

/// Needs root to mount a tiny tmpfs (CI runs it through .ci/run).
#[test]
#[ignore]
fn disk_full_says_the_disk_is_full_and_nothing_was_saved() {
    let dir = tmp();
    let db = store(dir.path());
    let mnt = dir.path().join("small");
    std::fs::create_dir(&mnt).expect("mount point");
    let size = std::fs::metadata(&db).expect("meta").len() + 256 * 1024;
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}")])
        .arg("tmpfs")
        .arg(&mnt)
        .status()
        .expect("mount (needs root)");
    assert!(
        ok.success(),
        "could not mount a tmpfs: this test needs root"
    );
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _guard = Unmount(&mnt);
    let small = mnt.join("s.db");
    std::fs::copy(&db, &small).expect("copy the store in");
    let filler = mnt.join("filler");
    let add = |n: u32| {
        bin(
            &small,
            &[
                "patient",
                "add",
                "--family",
                &format!("Full{n}"),
                "--given",
                "Ann",
                "--dob",
                "1970-01-01",
                "--sex",
                "F",
            ],
        )
        .output()
        .expect("run")
    };
    // A little room left, then none at all: both say the same thing.
    for leave in [40 * 1024u64, 0] {
        let _ = std::fs::remove_file(&filler);
        let free = free_bytes(&mnt);
        let fill = free.saturating_sub(leave);
        let f = std::fs::File::create(&filler).expect("filler");
        let chunk = vec![0u8; 64 * 1024];
        let mut left = fill;
        use std::io::Write;
        let mut w = std::io::BufWriter::new(f);
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            if w.write_all(&chunk[..n]).is_err() {
                break;
            }
            left -= n as u64;
        }
        let _ = w.flush();
        drop(w);
        let mut saw = None;
        for n in 0..200 {
            let o = add(n);
            if o.status.code() != Some(0) {
                saw = Some(o);
                break;
            }
        }
        let o = saw.expect("the disk filled up");
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(3), "{err}");
        assert!(
            err.contains("the disk is full; nothing was saved"),
            "left {leave}: {err}"
        );
        assert!(!err.contains("disk I/O error"), "{err}");
    }
    let _ = std::fs::remove_file(&filler);
    let o = bin(&small, &["check"]).output().expect("check");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

fn free_bytes(p: &Path) -> u64 {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).expect("path");
    // SAFETY: statvfs fills the struct we own.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut st) }, 0);
    st.f_bavail as u64 * st.f_frsize as u64
}
