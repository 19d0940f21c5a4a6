//! Key sequences fed to `update`, with the state checked after each step.

use std::sync::mpsc;

use chartroom::service::Clock;
use chartroom::tui::keymap::Found;
use chartroom::tui::panes::{PaneReq, patients};
use chartroom::tui::state::{Level, MAX_QUERY, Msg};
use chartroom::tui::{Action, Effect, Mode, PaneId, Step, runtime, update};
use crossterm::event::KeyCode;

use super::super::common::*;
use super::support::*;

fn searches(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Request(r) => match pane_req(r) {
                Some(PaneReq::Patients(patients::Req::Search { query, .. })) => Some(query.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[test]
fn printable_keys_are_text_in_the_search_box() {
    let mut s = state("default");
    assert_eq!(s.mode(), Mode::Search);
    let fx = type_offline(&mut s, "Quinn 1004 q?:j123456");
    assert_eq!(search_text(&s), "Quinn 1004 q?:j123456");
    assert_eq!(pane(&s), PaneId::Patients);
    assert_eq!(mode(&s), Mode::Search, "no overlay opened");
    assert!(!fx.contains(&Effect::Quit));
    assert_eq!(
        searches(&fx).last().map(String::as_str),
        Some("Quinn 1004 q?:j123456")
    );
    // editing keys
    update(&mut s, key(KeyCode::Home));
    update(&mut s, key(KeyCode::Delete));
    update(&mut s, ctrl('u'));
    assert_eq!(search_text(&s), "");
    let p = patients(&s);
    assert!(!p.busy && p.rows == 0 && p.subject.is_none(), "{p:?}");
}

#[test]
fn the_search_box_edits_like_a_shell_line() {
    let mut s = state("default");
    type_offline(&mut s, "jones mary 1970");
    update(&mut s, ctrl('w'));
    assert_eq!(search_text(&s), "jones mary ");
    update(&mut s, alt('b'));
    update(&mut s, ctrl('k'));
    assert_eq!(search_text(&s), "jones ");
    update(&mut s, ctrl('a'));
    update(&mut s, alt('f'));
    assert_eq!(patients(&s).cursor, Some(5));
    update(&mut s, key(KeyCode::Delete));
    update(&mut s, ctrl('e'));
    let fx = type_offline(&mut s, "x");
    assert_eq!(search_text(&s), "jonesx");
    assert_eq!(searches(&fx), vec!["jonesx".to_string()]);
    // wide letters: the cursor stands after them on screen
    update(&mut s, ctrl('u'));
    type_offline(&mut s, "李小龍");
    let mut t = draw(&mut s, 80, 24);
    let cur = t.get_cursor_position().unwrap();
    assert_eq!(cur.x, 1 + 6, "two columns each");
}

#[test]
fn patients_is_search_first_and_panes_switch_with_keys_that_cannot_be_text() {
    let mut s = state("default");
    // Esc does not leave the box: it says how to leave, and `quinn` is text.
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(mode(&s), Mode::Search);
    assert!(matches!(status(&s), Some((Level::Info, m)) if m.contains("Alt-2")));
    let fx = type_offline(&mut s, "quinn");
    assert!(!fx.contains(&Effect::Quit));
    assert_eq!(search_text(&s), "quinn");
    assert_eq!(pane(&s), PaneId::Patients);
    // j, ?, :, digits: text too
    type_offline(&mut s, " j?:3");
    assert_eq!(search_text(&s), "quinn j?:3");
    assert_eq!(mode(&s), Mode::Search, "no overlay opened");
    update(&mut s, ctrl('u'));
    // Alt-2 from the box goes to Chart; `1` there comes back with the box focused, and a
    // following `2` is text
    update(&mut s, alt('2'));
    assert_eq!(pane(&s), PaneId::Chart);
    update(&mut s, ch('1'));
    assert_eq!((pane(&s), mode(&s)), (PaneId::Patients, Mode::Search));
    update(&mut s, ch('2'));
    assert_eq!(pane(&s), PaneId::Patients);
    assert_eq!(search_text(&s), "2");
    update(&mut s, ctrl('u'));
    // F-keys and Tab/Shift-Tab from the box
    update(&mut s, key(KeyCode::F(3)));
    assert_eq!(pane(&s), PaneId::Chart);
    update(&mut s, key(KeyCode::F(2)));
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(pane(&s), PaneId::Chart);
    update(&mut s, key(KeyCode::BackTab));
    assert_eq!(pane(&s), PaneId::Patients);
    update(&mut s, key(KeyCode::BackTab));
    assert_eq!(pane(&s), PaneId::Audit);
    assert!(screen(&mut s, 120, 24).contains("your role may not read the audit trail"));
    // on the other panes digits switch
    update(&mut s, ch('3'));
    assert_eq!(pane(&s), PaneId::Coding);
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(pane(&s), PaneId::Requests);
    update(&mut s, key(KeyCode::Char('/')));
    assert_eq!((pane(&s), mode(&s)), (PaneId::Patients, Mode::Search));
    // the footer says how to leave the box
    let t = screen(&mut s, 120, 30);
    assert!(
        t.contains("Tab next pane") && t.contains("Alt-1…Alt-6 panes"),
        "{t}"
    );
    // the palette from the box: F10 and Ctrl-Space
    update(&mut s, key(KeyCode::F(10)));
    assert_eq!(mode(&s), Mode::Palette);
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, ctrl(' '));
    assert_eq!(mode(&s), Mode::Palette);
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(update(&mut s, ctrl('z')), vec![Effect::Suspend]);
    // nothing open: Ctrl-c and q quit at once
    assert_eq!(update(&mut s, ctrl('c')), vec![Effect::Quit]);
    update(&mut s, alt('3'));
    assert_eq!(update(&mut s, ch('q')), vec![Effect::Quit]);
}

#[test]
fn q_asks_while_a_search_or_chart_is_open_and_no_is_the_default() {
    let mut s = state("default");
    type_offline(&mut s, "smith");
    update(&mut s, alt('3'));
    assert!(update(&mut s, ch('q')).is_empty());
    assert_eq!(mode(&s), Mode::Confirm);
    assert!(screen(&mut s, 80, 24).contains("Quit chartroom?"));
    // Enter (or any key but y) is No
    assert!(update(&mut s, key(KeyCode::Enter)).is_empty());
    assert_eq!(mode(&s), Mode::Normal);
    assert!(matches!(status(&s), Some((_, m)) if m.contains("still here")));
    update(&mut s, ch('q'));
    assert_eq!(update(&mut s, ch('y')), vec![Effect::Quit]);
    // Ctrl-c does not ask: nothing unsaved would be lost
    update(&mut s, ch('q'));
    assert_eq!(mode(&s), Mode::Confirm);
    assert_eq!(update(&mut s, ctrl('c')), vec![Effect::Quit]);
    // another key that works everywhere answers No and acts
    update(&mut s, ch('q'));
    update(&mut s, alt('1'));
    assert_eq!((pane(&s), mode(&s)), (PaneId::Patients, Mode::Search));
    assert_eq!(search_text(&s), "smith", "nothing lost");
}

#[test]
fn a_paste_outside_a_box_runs_no_command() {
    let mut s = state("default");
    update(&mut s, alt('2'));
    let fx = update(&mut s, Msg::Paste("gg q 1 r c".into()));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!((pane(&s), mode(&s)), (PaneId::Chart, Mode::Normal));
    assert!(matches!(status(&s), Some((_, m)) if m.contains("text field")));
    // on Patients a paste is text in the box
    update(&mut s, ch('1'));
    update(&mut s, Msg::Paste("q garcia".into()));
    assert_eq!(search_text(&s), "q garcia");
}

#[test]
fn a_terminal_too_small_ignores_keys_but_quit_suspend_and_lock() {
    let mut s = state("default");
    type_offline(&mut s, "ab");
    update(&mut s, Msg::Resize(40, 10));
    for m in [
        ch('q'),
        ch('x'),
        alt('2'),
        key(KeyCode::Tab),
        f10(),
        key(KeyCode::Backspace),
    ] {
        assert!(update(&mut s, m).is_empty());
    }
    assert_eq!(
        (pane(&s), search_text(&s)),
        (PaneId::Patients, "ab".to_string())
    );
    assert_eq!(mode(&s), Mode::Search);
    assert!(screen(&mut s, 40, 10).contains("too small"));
    assert_eq!(update(&mut s, ctrl('z')), vec![Effect::Suspend]);
    assert_eq!(update(&mut s, ctrl('c')), vec![Effect::Quit]);
    update(&mut s, Msg::Resize(80, 24));
    type_offline(&mut s, "c");
    assert_eq!(search_text(&s), "abc");
}

#[test]
fn help_scrolls_to_the_end_and_back() {
    let mut s = state("default");
    update(&mut s, key(KeyCode::F(1)));
    assert_eq!(mode(&s), Mode::Help);
    let top = screen(&mut s, 80, 15);
    update(&mut s, ch('G'));
    let bottom = screen(&mut s, 80, 15);
    assert_ne!(top, bottom, "G scrolls to the end");
    update(&mut s, ch('k'));
    let up_one = screen(&mut s, 80, 15);
    assert_ne!(up_one, bottom, "k after G moves at once");
    update(&mut s, ch('g'));
    update(&mut s, ch('g'));
    assert_eq!(screen(&mut s, 80, 15), top, "g g goes back to the top");
    update(&mut s, key(KeyCode::End));
    assert_eq!(screen(&mut s, 80, 15), bottom);
    update(&mut s, key(KeyCode::Home));
    assert_eq!(screen(&mut s, 80, 15), top);
    update(&mut s, key(KeyCode::PageDown));
    assert_ne!(screen(&mut s, 80, 15), top);
    update(&mut s, key(KeyCode::PageUp));
    assert_eq!(screen(&mut s, 80, 15), top);
}

#[test]
fn the_palette_lists_words_and_edits_like_a_shell_line() {
    let mut s = state("default");
    update(&mut s, f10());
    let t = screen(&mut s, 100, 40);
    assert!(
        t.contains("go to patients") && !t.contains("pane_patients"),
        "{t}"
    );
    assert!(
        !t.contains("review_alert") && !t.contains("focus_search"),
        "{t}"
    );
    type_offline(&mut s, "open 1234 5678");
    update(&mut s, ctrl('w'));
    update(&mut s, ctrl('u'));
    type_offline(&mut s, "go to chart");
    update(&mut s, ctrl('a'));
    update(&mut s, ctrl('k'));
    type_offline(&mut s, "go to audit");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(pane(&s), PaneId::Audit);
}

#[test]
fn type_move_open_read_and_back() {
    let dir = tmp();
    let db = demo_store(dir.path(), 300);
    let mut svc = service(&db);
    let mut s = state("default");
    type_str(&mut s, &mut svc, "smith");
    let n = patients(&s).rows;
    assert!(n >= 3, "{n}");
    assert_eq!(selected_row(&s), Some(0));
    feed(&mut s, &mut svc, key(KeyCode::Down));
    feed(&mut s, &mut svc, ctrl('n'));
    assert_eq!(selected_row(&s), Some(2));
    feed(&mut s, &mut svc, ctrl('p'));
    assert_eq!(selected_row(&s), Some(1));
    feed(&mut s, &mut svc, key(KeyCode::End));
    assert_eq!(
        patients(&s).cursor,
        Some(5),
        "End moves the text cursor in the field"
    );
    feed(&mut s, &mut svc, key(KeyCode::PageDown));
    assert_eq!(selected_row(&s), Some(n - 1));
    feed(&mut s, &mut svc, key(KeyCode::PageUp));
    feed(&mut s, &mut svc, key(KeyCode::Down));
    assert_eq!(selected_row(&s), Some(1));
    let mrn = selected_mrn(&s).unwrap();
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    assert_eq!(pane(&s), PaneId::Chart);
    let c = chart(&s);
    assert_eq!(c.subject.as_deref(), Some(mrn.as_str()), "chart open");
    if c.rows > 0 {
        feed(&mut s, &mut svc, key(KeyCode::Enter));
        assert_eq!(mode(&s), Mode::Document);
        assert!(chart(&s).item.is_some());
        feed(&mut s, &mut svc, ch('j'));
        feed(&mut s, &mut svc, key(KeyCode::Esc));
        assert!(chart(&s).item.is_none());
        assert_eq!(mode(&s), Mode::Normal);
    }
    feed(&mut s, &mut svc, key(KeyCode::Esc));
    assert_eq!(pane(&s), PaneId::Patients);
    assert_eq!(selected_row(&s), Some(1), "selection kept");
    assert_eq!(search_text(&s), "smith");
}

#[test]
fn palette_commands() {
    let dir = tmp();
    let db = demo_store(dir.path(), 200);
    let mut svc = service(&db);
    let mut s = state("default");
    update(&mut s, f10());
    assert_eq!(mode(&s), Mode::Palette);
    type_offline(&mut s, "theme light");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(theme_name(&s), "light");
    // it offers to keep the theme; No (the default) keeps it for the session
    assert_eq!(mode(&s), Mode::Confirm);
    assert!(screen(&mut s, 80, 24).contains("config.toml"));
    update(&mut s, ch('n'));
    assert_eq!(mode(&s), Mode::Search, "the palette closed");
    assert!(matches!(status(&s), Some((_, m)) if m.contains("this session only")));
    // unknown theme: a warning, the default theme
    update(&mut s, f10());
    type_offline(&mut s, "theme purple");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(theme_name(&s), "default");
    assert!(matches!(status(&s), Some((Level::Warning, m)) if m.contains("purple")));
    // open a chart by MRN
    let mrn = svc.find("smith", 1).unwrap()[0].row.mrn.to_string();
    update(&mut s, f10());
    type_offline(&mut s, &format!("open {mrn}"));
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    assert_eq!(pane(&s), PaneId::Chart);
    assert_eq!(chart(&s).subject.as_deref(), Some(mrn.as_str()));
    // a wrong MRN: the chart pane says so
    update(&mut s, f10());
    type_offline(&mut s, "open 99999999");
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    let e = chart(&s).error;
    assert!(
        e.as_ref().is_some_and(|e| e.raw().contains("not found")),
        "{e:?}"
    );
    // fuzzy: "hlp" runs help; Esc closes
    update(&mut s, f10());
    type_offline(&mut s, "hlp");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(mode(&s), Mode::Help);
    update(&mut s, key(KeyCode::Esc));
    // no match: a message, the palette stays
    update(&mut s, f10());
    type_offline(&mut s, "xqzxqz");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(mode(&s), Mode::Palette);
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, f10());
    type_offline(&mut s, "quit");
    assert_eq!(update(&mut s, key(KeyCode::Enter)), vec![Effect::Quit]);
}

#[test]
fn stale_search_replies_are_dropped() {
    let dir = tmp();
    let db = demo_store(dir.path(), 200);
    let mut svc = service(&db);
    let mut s = state("default");
    let old = type_offline(&mut s, "jo");
    let new = type_offline(&mut s, "nes");
    let req = |fx: &[Effect]| match fx.last() {
        Some(Effect::Request(r)) => r.clone(),
        other => panic!("{other:?}"),
    };
    let (old, new) = (req(&old), req(&new));
    let new_reply = chartroom::tui::worker::serve(&mut svc, &new);
    update(&mut s, Msg::Db(new.id(), new_reply));
    let shown = screen(&mut s, 100, 30);
    let old_reply = chartroom::tui::worker::serve(&mut svc, &old);
    update(&mut s, Msg::Db(old.id(), old_reply));
    let after = screen(&mut s, 100, 30);
    assert_eq!(
        shown, after,
        "the older reply must not replace the newer results"
    );
    assert_eq!(patients(&s).subject.as_deref(), Some("jones"));
}

#[test]
fn a_huge_paste_is_cut_with_a_message_and_costs_one_search() {
    let mut s = state("default");
    let text = "Smith\n\u{1b}[31m".repeat(1000) + &"x".repeat(2000);
    let fx = update(&mut s, Msg::Paste(text));
    assert_eq!(search_text(&s).chars().count(), MAX_QUERY);
    assert!(!search_text(&s).chars().any(char::is_control));
    assert_eq!(searches(&fx).len(), 1);
    assert!(matches!(status(&s), Some((Level::Warning, m)) if m.contains("cut")));
    let _ = screen(&mut s, 80, 24);
}

#[test]
fn ten_thousand_key_events_drain_into_one_search() {
    let mut s = state("default");
    let (tx, rx) = mpsc::channel();
    for i in 0..10_000 {
        let c = (b'a' + (i % 26) as u8) as char;
        tx.send(key(KeyCode::Char(c))).unwrap();
    }
    let fx = runtime::turn(&mut s, &rx, None).unwrap();
    assert_eq!(searches(&fx).len(), 1, "one search for the whole burst");
    assert_eq!(search_text(&s).chars().count(), MAX_QUERY);
    let _ = screen(&mut s, 80, 24);
}

#[test]
fn resize_to_tiny_and_back() {
    let mut s = state("default");
    type_offline(&mut s, "smith");
    update(&mut s, Msg::Resize(10, 3));
    let t = screen(&mut s, 10, 3);
    assert!(t.contains("terminal"), "{t}");
    update(&mut s, Msg::Resize(80, 24));
    let t = screen(&mut s, 80, 24);
    assert!(t.contains("Find a patient"), "{t}");
}

#[test]
fn broken_keymap_and_theme_files_are_reported_not_fatal() {
    let dir = tmp();
    let cfg = dir.path();
    std::fs::create_dir_all(cfg.join("themes")).unwrap();
    std::fs::write(
        cfg.join("keymap.toml"),
        "[normal]\n\"ctrl-j\" = \"down\"\n\"j\" = \"explode\"\n",
    )
    .unwrap();
    std::fs::write(
        cfg.join("themes/mine.toml"),
        "accent = { fg = \"not-a-colour\" }\n",
    )
    .unwrap();
    let s = runtime::initial_state(
        Some("mine".into()),
        &Clock::fixed(2026, 11, 26),
        cfg.to_path_buf(),
    );
    let (level, msg) = status(&s).expect("a message");
    assert_eq!(level, Level::Warning);
    assert!(msg.contains("explode") && msg.contains("1 more"), "{msg}");
    assert_eq!(theme_name(&s), "default");
    let j = chartroom::tui::keymap::Key::parse("j").unwrap();
    let cj = chartroom::tui::keymap::Key::parse("ctrl-j").unwrap();
    let down = Found::Action(Action::Move(Step::Down));
    let km = keymap(&s);
    assert_eq!(km.find(Mode::Normal, PaneId::Patients, None, &j), down);
    assert_eq!(km.find(Mode::Normal, PaneId::Patients, None, &cj), down);
    // garbage keymap, unknown theme name
    std::fs::write(cfg.join("keymap.toml"), "\u{0}\u{1b}[[[not toml").unwrap();
    let mut s = runtime::initial_state(
        Some("nope".into()),
        &Clock::fixed(2026, 11, 26),
        cfg.to_path_buf(),
    );
    let (_, msg) = status(&s).expect("a message");
    assert!(msg.contains("keymap.toml"), "{msg}");
    let t = screen(&mut s, 120, 40);
    assert!(!t.contains('\u{1b}'));
    // a user theme that is fine replaces by name
    std::fs::write(cfg.join("themes/mine.toml"), "accent = \"magenta\"\n").unwrap();
    std::fs::remove_file(cfg.join("keymap.toml")).unwrap();
    let s = runtime::initial_state(
        Some("mine".into()),
        &Clock::fixed(2026, 11, 26),
        cfg.to_path_buf(),
    );
    assert!(status(&s).is_none(), "{:?}", status(&s));
    assert_eq!(theme_name(&s), "mine");
}

#[test]
fn the_config_file_names_the_theme_and_the_flag_wins() {
    let dir = tmp();
    std::fs::write(dir.path().join("config.toml"), "theme = \"light\"\n").unwrap();
    let clock = Clock::fixed(2026, 11, 26);
    let s = runtime::initial_state(None, &clock, dir.path().to_path_buf());
    assert_eq!(theme_name(&s), "light");
    let s = runtime::initial_state(Some("monochrome".into()), &clock, dir.path().to_path_buf());
    assert_eq!(theme_name(&s), "monochrome");
}

#[test]
fn without_a_terminal_or_a_store_the_screens_say_why() {
    let dir = tmp();
    let missing = dir.path().join("nope.db");
    let o = run(&missing, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("chartroom demo"), "{}", stderr(&o));
    let db = demo_store(dir.path(), 50);
    let o = run(&db, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("need a terminal"), "{}", stderr(&o));
    // `demo --no-tui` only builds; `demo` on an existing store tries to open the screens.
    let fresh = dir.path().join("fresh.db");
    let o = run(&fresh, &["demo", "--patients", "20", "--no-tui"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(fresh.exists());
    let o = run(&fresh, &["demo", "--patients", "20"]);
    assert!(stderr(&o).contains("need a terminal"), "{}", stderr(&o));
}

#[test]
fn a_restricted_chart_warns_defaults_to_no_then_asks_a_reason() {
    let dir = tmp();
    let db = demo_store(dir.path(), 1000);
    let mut svc = service(&db);
    let names = [
        "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "lee",
        "nguyen",
    ];
    let target = names
        .iter()
        .flat_map(|q| svc.find(q, 50).unwrap())
        .find(|f| f.row.restricted)
        .expect("a restricted patient in the demo store");
    let mrn = target.row.mrn.to_string();
    let mut s = state("default");
    let open = |s: &mut chartroom::tui::State, svc: &mut chartroom::service::Conn| {
        update(s, f10());
        type_offline(s, &format!("open {mrn}"));
        feed(s, svc, key(KeyCode::Enter));
    };
    open(&mut s, &mut svc);
    assert_eq!(mode(&s), Mode::Glass);
    assert!(chart(&s).subject.is_none());
    let t = screen(&mut s, 80, 24);
    assert!(
        t.contains("RESTRICTED RECORD") && t.contains("[y/N]"),
        "{t}"
    );
    // Enter is No.
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    assert_ne!(mode(&s), Mode::Glass);
    assert!(chart(&s).subject.is_none());
    // y, then a reason (q and digits are text here), then Enter.
    open(&mut s, &mut svc);
    feed(&mut s, &mut svc, key(KeyCode::Char('y')));
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    assert_eq!(mode(&s), Mode::Glass, "an empty reason is not accepted");
    type_str(&mut s, &mut svc, "q1 coding query");
    let fx = feed(&mut s, &mut svc, key(KeyCode::Enter));
    assert!(!fx.contains(&Effect::Quit));
    assert_eq!(chart(&s).subject, Some(mrn));
    assert_eq!(pane(&s), PaneId::Chart);
}

#[test]
fn help_lists_the_current_panes_keys_first() {
    let mut s = state("default");
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, alt('2'));
    update(&mut s, ch('?'));
    let t = screen(&mut s, 120, 40);
    let first = t.lines().find(|l| l.contains("In ")).unwrap_or_default();
    assert!(first.contains("In the Chart pane"), "{t}");
    assert!(t.contains("Scroll the chart details down"), "{t}");
    update(&mut s, key(KeyCode::Esc));
    // the Audit pane: its own key r first
    update(&mut s, alt('6'));
    update(&mut s, ch('?'));
    let t = screen(&mut s, 120, 40);
    let at = |x: &str| t.find(x).unwrap_or_else(|| panic!("{x}: {t}"));
    assert!(at("In the Audit pane") < at("Everywhere"), "{t}");
    assert!(
        at("Mark the selected privacy alert") < at("Everywhere"),
        "{t}"
    );
    assert!(!t.contains("In the Chart pane"), "{t}");
}

#[test]
fn a_half_typed_chord_gives_way_to_other_keys() {
    let mut s = state("default");
    update(&mut s, alt('2'));
    update(&mut s, ch('g'));
    assert!(screen(&mut s, 100, 30).contains("Esc cancels"));
    // Esc cancels it, nothing else happens
    assert!(update(&mut s, key(KeyCode::Esc)).is_empty());
    assert!(!screen(&mut s, 100, 30).contains("Esc cancels"));
    assert_eq!(mode(&s), Mode::Normal);
    // a key that does not finish it counts on its own: Ctrl-c still quits
    update(&mut s, ch('g'));
    assert_eq!(update(&mut s, ctrl('c')), vec![Effect::Quit]);
    update(&mut s, alt('2'));
    update(&mut s, ch('g'));
    update(&mut s, ch('3'));
    assert_eq!(pane(&s), PaneId::Coding);
}

#[test]
fn an_old_keymap_file_keeps_working() {
    let dir = tmp();
    std::fs::write(
        dir.path().join("keymap.toml"),
        "[normal]\n\"g\" = \"top\"\n\"ctrl-j\" = \"down\"\n[search]\n\"ctrl-j\" = \"down\"\n\
         [document]\n\"x\" = \"back\"\n[help]\n\"x\" = \"back\"\n[palette]\n\"ctrl-j\" = \"down\"\n\
         [global]\n\"f10\" = \"quit\"\n",
    )
    .unwrap();
    let mut s = runtime::initial_state(None, &Clock::fixed(2026, 11, 26), dir.path().to_path_buf());
    assert!(status(&s).is_none(), "{:?}", status(&s));
    let e = type_offline(&mut s, "smith");
    super::support::answer(&mut s, e, found(super::fixtures::results(5)));
    update(&mut s, ctrl('j'));
    assert_eq!(selected_row(&s), Some(1));
    let g = chartroom::tui::keymap::Key::parse("g").unwrap();
    assert_eq!(
        keymap(&s).find(Mode::Normal, PaneId::Chart, None, &g),
        Found::Action(Action::Move(Step::Top)),
        "their single g still goes to the top"
    );
    // their F10 quits (a search is open: it asks first)
    assert!(update(&mut s, key(KeyCode::F(10))).is_empty());
    assert_eq!(update(&mut s, ch('y')), vec![Effect::Quit]);
}
