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
                Some(PaneReq::Patients(patients::Req::Search { query })) => Some(query.clone()),
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
fn panes_switch_from_a_field_only_with_keys_that_cannot_be_text() {
    let mut s = state("default");
    update(&mut s, alt('2'));
    assert_eq!(pane(&s), PaneId::Chart);
    update(&mut s, key(KeyCode::F(2)));
    assert_eq!(pane(&s), PaneId::Patients);
    assert_eq!(mode(&s), Mode::Search);
    update(&mut s, key(KeyCode::Char('3')));
    assert_eq!(pane(&s), PaneId::Patients, "3 is text in the field");
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(mode(&s), Mode::Normal);
    update(&mut s, key(KeyCode::Char('3')));
    assert_eq!(pane(&s), PaneId::Coding);
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(pane(&s), PaneId::Requests);
    update(&mut s, key(KeyCode::BackTab));
    update(&mut s, key(KeyCode::BackTab));
    assert_eq!(pane(&s), PaneId::Chart);
    update(&mut s, key(KeyCode::Char('6')));
    assert_eq!(pane(&s), PaneId::Audit);
    assert!(screen(&mut s, 120, 24).contains("your role may not read the audit trail"));
    update(&mut s, key(KeyCode::Char('/')));
    assert_eq!((pane(&s), mode(&s)), (PaneId::Patients, Mode::Search));
    let fx = update(&mut s, ctrl('c'));
    assert_eq!(fx, vec![Effect::Quit]);
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(update(&mut s, key(KeyCode::Char('q'))), vec![Effect::Quit]);
    assert_eq!(update(&mut s, ctrl('z')), vec![Effect::Suspend]);
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
    feed(&mut s, &mut svc, key(KeyCode::Esc));
    feed(&mut s, &mut svc, ch('G'));
    assert_eq!(selected_row(&s), Some(n - 1));
    // g g goes to the top (the first g waits for the second, with a hint, no timer)
    feed(&mut s, &mut svc, ch('g'));
    assert_eq!(selected_row(&s), Some(n - 1), "a single g does not move");
    assert!(screen(&mut s, 100, 30).contains("Go to the first line"));
    feed(&mut s, &mut svc, ch('g'));
    feed(&mut s, &mut svc, ch('j'));
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
}

#[test]
fn palette_commands() {
    let dir = tmp();
    let db = demo_store(dir.path(), 200);
    let mut svc = service(&db);
    let mut s = state("default");
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::Char(':')));
    assert_eq!(mode(&s), Mode::Palette);
    type_offline(&mut s, "theme light");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(theme_name(&s), "light");
    assert_eq!(mode(&s), Mode::Normal, "the palette closed");
    // unknown theme: a warning, the default theme
    update(&mut s, key(KeyCode::Char(':')));
    type_offline(&mut s, "theme purple");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(theme_name(&s), "default");
    assert!(matches!(status(&s), Some((Level::Warning, m)) if m.contains("purple")));
    // open a chart by MRN
    let mrn = svc.find("smith", 1).unwrap()[0].row.mrn.to_string();
    update(&mut s, key(KeyCode::Char(':')));
    type_offline(&mut s, &format!("open {mrn}"));
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    assert_eq!(pane(&s), PaneId::Chart);
    assert_eq!(chart(&s).subject.as_deref(), Some(mrn.as_str()));
    // a wrong MRN: the chart pane says so
    update(&mut s, key(KeyCode::Char(':')));
    type_offline(&mut s, "open 99999999");
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    let e = chart(&s).error;
    assert!(
        e.as_ref().is_some_and(|e| e.raw().contains("not found")),
        "{e:?}"
    );
    // fuzzy: "hlp" runs help; Esc closes
    update(&mut s, key(KeyCode::Char(':')));
    type_offline(&mut s, "hlp");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(mode(&s), Mode::Help);
    update(&mut s, key(KeyCode::Esc));
    // no match: a message, the palette stays
    update(&mut s, key(KeyCode::Char(':')));
    type_offline(&mut s, "xqzxqz");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(mode(&s), Mode::Palette);
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::Char(':')));
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
        update(s, key(KeyCode::Esc));
        update(s, key(KeyCode::Char(':')));
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
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, ch('g'));
    assert!(screen(&mut s, 100, 30).contains("Esc cancels"));
    // Esc cancels it, nothing else happens
    assert!(update(&mut s, key(KeyCode::Esc)).is_empty());
    assert!(!screen(&mut s, 100, 30).contains("Esc cancels"));
    assert_eq!(mode(&s), Mode::Normal);
    // a key that does not finish it counts on its own: Ctrl-c still quits
    update(&mut s, ch('g'));
    assert_eq!(update(&mut s, ctrl('c')), vec![Effect::Quit]);
    update(&mut s, ch('g'));
    update(&mut s, ch('2'));
    assert_eq!(pane(&s), PaneId::Chart);
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
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, ctrl('j'));
    update(&mut s, ch('g'));
    assert_eq!(
        selected_row(&s),
        Some(0),
        "their single g still goes to the top"
    );
    assert_eq!(update(&mut s, key(KeyCode::F(10))), vec![Effect::Quit]);
}
