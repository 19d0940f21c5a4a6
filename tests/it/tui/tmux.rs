//! End-to-end: the real release binary in tmux (100×30), driven with send-keys and read with
//! capture-pane, polling with a bound (no bare sleeps). Marked `#[ignore]` because they need
//! tmux and `target/release/chartroom` (or CHARTROOM_BIN); CI builds the release binary and
//! runs them with `--include-ignored`. A missing tmux or binary FAILS the test, loudly.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::super::common::*;

mod keys;

const WAIT: Duration = Duration::from_secs(15);

pub(super) fn binary() -> PathBuf {
    let p = std::env::var_os("CHARTROOM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/chartroom"));
    assert!(
        p.is_file(),
        "the end-to-end tests need the release binary at {} (build it with `cargo build --release`, \
         or point CHARTROOM_BIN at it)",
        p.display()
    );
    p
}

pub(super) struct Tmux {
    socket: String,
    /// The server's socket file, removed at the end (kill-server leaves it behind).
    socket_path: String,
    _dir: tempfile::TempDir,
    pub(super) db: PathBuf,
}

impl Tmux {
    /// A tmux server of its own with a shell in a 100×30 pane, and a fresh demo store.
    fn start(patients: usize) -> Tmux {
        Tmux::start_with(patients, true)
    }

    /// `echo_exit`: follow the command with `echo app-exited-$?` (not for the job-control test:
    /// a shell runs the rest of a list when its job stops).
    fn start_with(patients: usize, echo_exit: bool) -> Tmux {
        Tmux::start_prepared(patients, echo_exit, &|_| {})
    }

    /// Like `start_with`, with `prep` run on the demo store before the app opens it.
    fn start_prepared(patients: usize, echo_exit: bool, prep: &dyn Fn(&Path)) -> Tmux {
        Tmux::start_on(patients, echo_exit, &|db, _| {
            prep(db);
            db.display().to_string()
        })
    }

    /// Like `start_prepared`, where `prep(store, config folder)` says what `--db` names (a
    /// records server in front of the store, say).
    pub(super) fn start_on(
        patients: usize,
        echo_exit: bool,
        prep: &dyn Fn(&Path, &Path) -> String,
    ) -> Tmux {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(ok, "the end-to-end tests need tmux (apt-get install tmux)");
        let bin = binary();
        static N: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "chartroom-e2e-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let dir = tmp();
        let db = dir.path().join("demo.db");
        let o = Command::new(&bin)
            .args([
                "demo",
                "--no-tui",
                "--patients",
                &patients.to_string(),
                "--seed",
                "42",
                "--db",
            ])
            .arg(&db)
            .output()
            .expect("run chartroom demo");
        assert!(o.status.success(), "demo store: {}", stderr(&o));
        let config = dir.path().join("config");
        std::fs::create_dir_all(&config).unwrap();
        let db_arg = prep(&db, &config);
        let mut t = Tmux {
            socket,
            socket_path: String::new(),
            _dir: dir,
            db,
        };
        t.tmux(&[
            "new-session",
            "-d",
            "-x",
            "100",
            "-y",
            "30",
            "-s",
            "e2e",
            "env",
            "PS1=e2e-shell$ ",
            "sh",
        ]);
        t.tmux(&["set-option", "-t", "e2e", "remain-on-exit", "on"]);
        t.socket_path = t
            .tmux(&["display-message", "-p", "#{socket_path}"])
            .trim()
            .to_string();
        t.wait_for("e2e-shell$");
        let mut cmd = format!(
            "CHARTROOM_CONFIG='{}' TERM=xterm-256color '{}' --db '{}'",
            config.display(),
            bin.display(),
            db_arg
        );
        if echo_exit {
            cmd.push_str("; echo \"app-exited-$?\"");
        }
        t.send_literal(&cmd);
        t.keys(&["Enter"]);
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let o = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("run tmux");
        assert!(o.status.success(), "tmux {args:?}: {}", stderr(&o));
        stdout(&o)
    }

    pub(super) fn keys(&self, keys: &[&str]) {
        let mut a = vec!["send-keys", "-t", "e2e"];
        a.extend_from_slice(keys);
        self.tmux(&a);
    }

    pub(super) fn send_literal(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "e2e", "-l", text]);
    }

    pub(super) fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// Polls the pane until `pred` holds, at most `WAIT`; fails with the last screen.
    pub(super) fn wait_until(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_within(WAIT, what, pred)
    }

    /// `wait_until` with its own bound.
    pub(super) fn wait_within(
        &self,
        bound: Duration,
        what: &str,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        let mut delay = Duration::from_millis(20);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() < bound,
                "timed out waiting for {what}; the screen was:\n{s}"
            );
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_millis(200));
        }
    }

    pub(super) fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?}"), |s| s.contains(text))
    }

    /// Types text into the app (one send-keys, like a fast typist or a paste of keys).
    pub(super) fn type_text(&self, text: &str) {
        self.send_literal(text);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
        if self.socket_path.contains(&self.socket) {
            let _ = std::fs::remove_file(&self.socket_path);
        }
    }
}

/// A name with two letters swapped ("Smith" → "Smtih").
fn misspell(name: &str) -> String {
    let mut c: Vec<char> = name.chars().collect();
    let i = c.len() / 2;
    c.swap(i - 1, i);
    c.into_iter().collect()
}

#[test]
#[ignore = "needs tmux and the release binary; CI runs it with --include-ignored"]
fn search_misspelt_name_and_an_mrn_then_open_the_chart() {
    let t = Tmux::start(2000);
    t.wait_for("SEARCH");
    // A patient with a longer family name, looked up through the library.
    let mut svc = service(&t.db);
    let target = svc
        .find("anderson", 50)
        .unwrap()
        .into_iter()
        .chain(svc.find("martinez", 50).unwrap())
        .find(|f| {
            !f.row.restricted
                && f.row.family.raw().len() >= 6
                && f.row.family.raw().chars().all(|c| c.is_ascii_alphabetic())
        })
        .expect("a patient to look for");
    let typo = format!("{} {}", misspell(target.row.family.raw()), target.row.given);
    assert_ne!(typo.split(' ').next(), Some(target.row.family.raw()));
    t.type_text(&typo);
    let target_mrn = target.row.mrn.to_string();
    let s = t.wait_for(&target_mrn);
    // Move the selection to that row, then open it.
    let rows: Vec<&str> = s.lines().filter(|l| l.contains(" 1000")).collect();
    let idx = rows
        .iter()
        .position(|l| l.contains(&target_mrn))
        .expect("row on screen");
    for _ in 0..idx {
        t.keys(&["Down"]);
    }
    t.wait_until("the selection on the row", |s| {
        s.lines()
            .any(|l| l.contains('▶') && l.contains(&target_mrn))
    });
    t.keys(&["Enter"]);
    let header = format!("MRN {}", target.row.mrn);
    t.wait_until("the chart", |s| {
        s.contains("Chart (read-only)") && s.contains(&header)
    });
    // Back, clear the box, type an MRN (it starts with a digit: text, not a pane switch).
    t.keys(&["Escape"]);
    t.wait_for("Find a patient");
    t.keys(&["C-u"]);
    t.wait_until("an empty box", |s| s.contains("Type a name"));
    // An MRN of an unrestricted patient (a restricted one would ask for a reason first).
    let other = svc
        .find("johnson", 50)
        .unwrap()
        .into_iter()
        .find(|f| !f.row.restricted && f.row.mrn != target.row.mrn)
        .expect("another patient");
    let mrn = other.row.mrn.raw();
    assert!(mrn.starts_with(|c: char| c.is_ascii_digit()));
    t.type_text(mrn);
    let s = t.wait_until("the MRN's row selected", |s| {
        s.lines().any(|l| l.contains('▶') && l.contains(mrn))
    });
    assert!(s.contains(" 1 Patients"), "{s}");
    t.keys(&["Enter"]);
    let header = format!("MRN {mrn}");
    t.wait_until("the chart", |s| {
        s.contains("Chart (read-only)") && s.contains(&header)
    });
    t.keys(&["C-c"]);
    t.wait_for("app-exited-0");
}

#[test]
#[ignore = "needs tmux and the release binary; CI runs it with --include-ignored"]
fn open_and_close_help() {
    let t = Tmux::start(300);
    t.wait_for("SEARCH");
    t.keys(&["F1"]);
    let s = t.wait_for("Everywhere");
    assert!(s.contains(" HELP ") && s.contains("Quit now"), "{s}");
    t.keys(&["Escape"]);
    t.wait_until("help closed", |s| {
        !s.contains("Show or hide this help") && s.contains("SEARCH")
    });
    // `?` outside the field (on Chart), and `q` closes help without quitting.
    t.keys(&["M-2"]);
    t.wait_for("NORMAL");
    t.keys(&["?"]);
    t.wait_for("Show or hide this help");
    t.keys(&["q"]);
    let s = t.wait_until("help closed", |s| {
        !s.contains("Show or hide this help") && s.contains("NORMAL")
    });
    assert!(!s.contains("app-exited"), "{s}");
    t.keys(&["q"]);
    t.wait_for("app-exited-0");
}

#[test]
#[ignore = "needs tmux and the release binary; CI runs it with --include-ignored"]
fn quit_restores_the_shell() {
    let t = Tmux::start(300);
    t.wait_for("SEARCH");
    t.type_text("smith");
    t.wait_for("patients");
    // q outside Patients asks while a search is open (No by default); y quits.
    t.keys(&["M-3"]);
    t.wait_for("NORMAL");
    t.keys(&["q"]);
    t.wait_for("Quit chartroom?");
    t.keys(&["y"]);
    let s = t.wait_for("app-exited-0");
    for frame in [
        "Quit chartroom?",
        "Find a patient",
        "SEARCH",
        "NORMAL",
        "1 Patients",
        "╭",
        "Smith",
    ] {
        assert!(
            !s.contains(frame),
            "app frame ({frame}) left on the screen:\n{s}"
        );
    }
    assert!(s.contains("e2e-shell$"), "{s}");
    // The shell works again: cooked mode, echo on.
    t.send_literal("echo shell-is-back");
    t.keys(&["Enter"]);
    t.wait_until("the shell's answer", |s| {
        s.lines().any(|l| l.trim() == "shell-is-back")
    });
}

#[test]
#[ignore = "needs tmux and the release binary; CI runs it with --include-ignored"]
fn ctrl_z_suspends_and_fg_resumes() {
    let t = Tmux::start_with(300, false);
    t.wait_for("SEARCH");
    t.type_text("smith");
    t.wait_for("patients");
    t.keys(&["C-z"]);
    let s = t.wait_until("the shell back", |s| {
        !s.contains("Find a patient") && s.contains("e2e-shell$")
    });
    assert!(!s.contains("Smith"), "{s}");
    t.send_literal("fg");
    t.keys(&["Enter"]);
    let s = t.wait_for("Find a patient");
    assert!(s.contains("smith"), "the state survives a suspend:\n{s}");
    t.keys(&["C-c"]);
    t.wait_until("the shell after quitting", |s| {
        !s.contains("Find a patient") && s.contains("e2e-shell$ fg")
    });
    t.send_literal("echo \"after-$?\"");
    t.keys(&["Enter"]);
    t.wait_for("after-0");
}

#[test]
#[ignore = "needs tmux and the release binary; CI runs it with --include-ignored"]
fn sigterm_and_sighup_restore_the_terminal() {
    for sig in ["TERM", "HUP"] {
        let t = Tmux::start(200);
        t.wait_for("SEARCH");
        let shell = t.tmux(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"]);
        let o = Command::new("pgrep")
            .args(["-P", shell.trim()])
            .output()
            .expect("pgrep");
        let pid = stdout(&o).trim().to_string();
        assert!(!pid.is_empty(), "no app process under the shell {shell}");
        let k = Command::new("kill")
            .args([&format!("-{sig}"), &pid])
            .status()
            .unwrap();
        assert!(k.success());
        let s = t.wait_for("app-exited-");
        assert!(
            !s.contains("Find a patient"),
            "SIG{sig} left the frame:\n{s}"
        );
    }
}

#[test]
#[ignore = "needs tmux and the release binary; CI runs it with --include-ignored"]
fn demo_builds_the_store_then_opens_the_screens() {
    let t = Tmux::start(50);
    t.wait_for("SEARCH");
    t.keys(&["C-c"]);
    t.wait_for("app-exited-0");
    let fresh = t.db.with_file_name("fresh.db");
    t.send_literal(&format!(
        "'{}' demo --patients 300 --db '{}'",
        binary().display(),
        fresh.display()
    ));
    t.keys(&["Enter"]);
    let s = t.wait_for("Find a patient");
    assert!(s.contains("SEARCH"), "{s}");
    assert!(fresh.exists());
    t.keys(&["C-c"]);
    t.wait_until("the shell again", |s| !s.contains("Find a patient"));
}

#[test]
#[ignore = "needs tmux and the release binary; CI runs it with --include-ignored"]
fn resize_to_10x3_and_back() {
    let t = Tmux::start(200);
    t.wait_for("SEARCH");
    t.type_text("smith");
    t.wait_for("patients");
    t.tmux(&["resize-window", "-t", "e2e", "-x", "10", "-y", "3"]);
    t.wait_until("the too-small message", |s| s.contains("terminal"));
    t.tmux(&["resize-window", "-t", "e2e", "-x", "100", "-y", "30"]);
    let s = t.wait_until("the full frame again", |s| {
        s.contains("Find a patient") && s.contains("patients")
    });
    assert!(!s.contains("too small"), "{s}");
    t.keys(&["C-c"]);
    t.wait_for("app-exited-0");
}

#[test]
#[ignore = "needs tmux and the release binary; CI runs it with --include-ignored"]
fn lock_key_and_idle_lock_hide_the_chart_and_the_password_brings_it_back() {
    // The shortest idle timeout the policy allows (30 s), for this user.
    let t = Tmux::start_prepared(300, true, &|db| {
        let mut svc = service(db);
        let me = svc.actor().user.username.to_string();
        svc.set_user_idle(&me, Some(30)).expect("idle timeout");
    });
    t.wait_for("SEARCH");
    let mut svc = service(&t.db);
    let p = svc
        .find("smith", 50)
        .unwrap()
        .into_iter()
        .find(|f| !f.row.restricted)
        .expect("a smith");
    let mrn = p.row.mrn.to_string();
    t.type_text(&mrn);
    t.wait_until("the row", |s| {
        s.lines().any(|l| l.contains('▶') && l.contains(&mrn))
    });
    t.keys(&["Enter"]);
    let header = format!("MRN {mrn}");
    let chart = |s: &str| s.contains("Chart (read-only)") && s.contains(&header);
    t.wait_until("the chart", chart);
    // the lock key
    t.keys(&["F12"]);
    let s = t.wait_for("type your password to resume");
    for phi in [
        mrn.clone(),
        p.row.family.to_string(),
        p.row.given.to_string(),
        p.row.dob.to_string(),
    ] {
        assert!(!s.contains(phi.as_str()), "{phi} on the lock screen:\n{s}");
    }
    t.type_text("wrong-pass-123");
    t.keys(&["Enter"]);
    let s = t.wait_for("password is wrong");
    assert!(!s.contains("wrong-pass-123"), "{s}");
    assert!(s.contains("type your password"), "{s}");
    t.type_text(chartroom::service::demo::DEMO_PASSWORD);
    t.keys(&["Enter"]);
    t.wait_until("the same chart again", chart);
    // idle: locks by itself within the timeout (30 s) and a little
    let s = t.wait_within(Duration::from_secs(45), "the idle lock", |s| {
        s.contains("type your password to resume")
    });
    assert!(!s.contains(&mrn), "{s}");
    t.keys(&["C-c"]);
    let s = t.wait_for("app-exited-0");
    assert!(!s.contains("chartroom is locked"), "{s}");
    // login, lock, failed unlock, unlock, lock (idle), logout: all in the trail, in order
    let me = svc.actor().user.username.to_string();
    let actions: Vec<String> = svc
        .audit_user(&me)
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.action.into_raw())
        .collect();
    let mut it = actions.iter();
    for a in ["login", "lock", "failed_unlock", "unlock", "lock", "logout"] {
        assert!(
            it.any(|x| x == a),
            "{a} missing or out of order in {actions:?}"
        );
    }
}
