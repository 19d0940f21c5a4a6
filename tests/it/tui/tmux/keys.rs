//! End-to-end: names starting with `q` typed in every mode never close the app, and a typing
//! burst's audit rows (one before the first results, one at the end) survive a `kill -9`.

use std::process::Command;
use std::time::{Duration, Instant};

use super::super::super::common::*;
use super::Tmux;

/// The app is still on screen (no shell prompt after it, no exit code).
fn still_there(t: &Tmux, after: &str) {
    let s = t.screen();
    assert!(
        !s.contains("app-exited") && s.contains("chartroom"),
        "the app went away after {after}:\n{s}"
    );
}

#[test]
#[ignore = "needs tmux and the release binary; CI runs it with --include-ignored"]
fn a_name_starting_with_q_typed_in_every_mode_never_quits() {
    let t = Tmux::start(300);
    t.wait_for("SEARCH");
    // the search box
    t.type_text("quinn");
    t.wait_until("quinn in the box", |s| s.contains("│quinn"));
    still_there(&t, "quinn in the search box");
    // after Esc on Patients: still the box
    t.keys(&["Escape"]);
    // (wait: Esc and a key sent at once would read as Alt and that key)
    t.wait_for("typing stays in the search box");
    t.type_text(" q");
    t.wait_until("more text in the box", |s| s.contains("│quinn q"));
    still_there(&t, "Esc then q on Patients");
    // on another pane (NORMAL): q asks, and the next letter is No
    t.keys(&["M-2"]);
    t.wait_for("NORMAL");
    t.type_text("q");
    t.wait_for("Quit chartroom?");
    t.type_text("uinn");
    t.wait_until("the question answered No", |s| {
        !s.contains("Quit chartroom?")
    });
    still_there(&t, "quinn on the Chart pane");
    // the palette
    t.keys(&["F10"]);
    t.wait_for("Commands");
    t.type_text("quinn");
    t.wait_until("quinn in the palette", |s| s.contains(": quinn"));
    still_there(&t, "quinn in the palette");
    t.keys(&["Escape"]);
    // help
    t.keys(&["F1"]);
    t.wait_for("Everywhere");
    t.type_text("q");
    t.wait_until("help closed", |s| !s.contains("Everywhere"));
    still_there(&t, "q in help");
    // the lock screen: q is part of a password
    t.keys(&["F12"]);
    t.wait_for("type your password to resume");
    t.type_text("quinn");
    std::thread::sleep(Duration::from_millis(200));
    still_there(&t, "quinn on the lock screen");
    t.keys(&["C-u"]);
    t.type_text(chartroom::service::demo::DEMO_PASSWORD);
    t.keys(&["Enter"]);
    t.wait_until("unlocked", |s| s.contains("welcome back"));
    // Ctrl-c quits: nothing unsaved would be lost
    t.keys(&["C-c"]);
    t.wait_for("app-exited-0");
}

/// The audit actions of the store's administrator (the demo maps this OS login to it).
fn my_actions(db: &std::path::Path) -> Vec<(String, Option<String>)> {
    let mut svc = service(db);
    let me = svc.actor().user.username.to_string();
    svc.audit_user(&me)
        .unwrap()
        .entries
        .into_iter()
        .map(|e| (e.action.into_raw(), e.detail.map(|d| d.into_raw())))
        .collect()
}

#[test]
#[ignore = "needs tmux and the release binary; CI runs it with --include-ignored"]
fn a_typing_burst_writes_one_row_before_its_results_and_one_at_the_end_even_after_kill_9() {
    let t = Tmux::start(500);
    t.wait_for("SEARCH");
    let before = my_actions(&t.db).len();
    // a burst: several searches, one opening row; a pause closes it with the counts
    t.type_text("smi");
    t.wait_for("patients");
    t.type_text("th");
    t.wait_for("│smith");
    let start = Instant::now();
    let closed = loop {
        let rows = my_actions(&t.db);
        if let Some(c) = rows[before..]
            .iter()
            .find(|(a, _)| a == "search_burst_close")
        {
            break (rows[before..].to_vec(), c.clone());
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no closing row after a pause: {:?}",
            &rows[before..]
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let (rows, close) = closed;
    let opens = rows
        .iter()
        .filter(|(a, _)| a == "search_burst_open")
        .count();
    assert_eq!(opens, 1, "{rows:?}");
    assert!(
        !rows.iter().any(|(a, _)| a == "search"),
        "no row per keystroke: {rows:?}"
    );
    let detail = close.1.unwrap_or_default();
    assert!(
        detail.contains("searches=") && detail.contains("results="),
        "{detail}"
    );
    // a second burst, then kill -9 before it ends: its opening row is there
    let before = my_actions(&t.db).len();
    t.keys(&["C-u"]);
    t.type_text("jones");
    t.wait_for("│jones");
    t.wait_for("patients");
    let shell = t.tmux(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"]);
    let o = Command::new("pgrep")
        .args(["-P", shell.trim()])
        .output()
        .expect("pgrep");
    let pid = stdout(&o).trim().to_string();
    assert!(!pid.is_empty(), "no app process under the shell {shell}");
    assert!(
        Command::new("kill")
            .args(["-9", &pid])
            .status()
            .unwrap()
            .success()
    );
    t.wait_for("app-exited-137");
    let rows = my_actions(&t.db);
    let after: Vec<&String> = rows[before..].iter().map(|(a, _)| a).collect();
    assert!(
        after.iter().any(|a| *a == "search_burst_open"),
        "the opening row of the killed burst: {after:?}"
    );
    assert!(
        !after.iter().any(|a| *a == "search_burst_close"),
        "the burst never ended: {after:?}"
    );
}
