//! Automatic logoff in the screens: the idle lock clears every patient field before the lock
//! screen is drawn; the password (never drawn) resumes where the user was; five wrong ones
//! lock the account.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use chartroom::service::{Conn, LoginInfo, demo::DEMO_PASSWORD};
use chartroom::tui::state::{Msg, Reply, Req};
use chartroom::tui::worker::{self, Worker};
use chartroom::tui::{Effect, Mode, PaneId, State, update};
use crossterm::event::KeyCode;
use insta::assert_snapshot;

use super::super::common::*;
use super::fixtures as fx;
use super::support::*;

fn info(must_unlock: bool, has_password: bool) -> LoginInfo {
    LoginInfo {
        must_unlock,
        idle_timeout_s: 300,
        has_password,
    }
}

/// Results for "smith", the chart of the first one open, and its first document.
pub fn with_phi() -> State {
    let mut s = state("default");
    update(&mut s, Msg::LoggedIn(info(false, true)));
    let e = type_offline(&mut s, "smith");
    answer(&mut s, e, found(fx::results(30)));
    let e = update(&mut s, key(KeyCode::Enter));
    answer(&mut s, e, chart_reply(Box::new(fx::chart())));
    let e = update(&mut s, key(KeyCode::Enter));
    answer(&mut s, e, doc_reply(Box::new(fx::document())));
    assert_eq!(mode(&s), Mode::Document);
    s
}

fn idle(s: &mut State) -> Vec<Effect> {
    update(s, Msg::Tick(Instant::now() + Duration::from_secs(301)))
}

/// Every string of patient data the fixtures hold that a screen could show.
pub fn phi_strings() -> Vec<String> {
    let mut v: Vec<String> = fx::results(30)
        .iter()
        .flat_map(|f| {
            [
                f.row.family.to_string(),
                f.row.given.to_string(),
                f.row.dob.to_string(),
            ]
        })
        .collect();
    v.extend(
        [
            "Smith",
            "Carol",
            "Jones",
            "Oak Hollow",
            "8009 Main",
            "3456",
            "1992-08-31",
            "J45909",
            "DISCHARGE",
            "Discharge",
            "Hector",
            "10000002",
            "smith",
        ]
        .map(String::from),
    );
    v
}

#[test]
fn the_idle_lock_clears_all_patient_data_before_drawing() {
    let mut s = with_phi();
    assert!(screen(&mut s, 80, 24).contains("Day 1"));
    let fx = update(&mut s, Msg::Tick(Instant::now() + Duration::from_secs(200)));
    assert!(fx.is_empty(), "not idle long enough: {fx:?}");
    assert_eq!(mode(&s), Mode::Document);
    let fx = idle(&mut s);
    assert_eq!(mode(&s), Mode::Lock);
    assert!(matches!(
        fx.as_slice(),
        [Effect::Request(Req::Lock { .. }), Effect::Redraw]
    ));
    // the state itself holds no patient data any more: every pane is empty
    for p in PaneId::ALL {
        let probe = s.probe(*p);
        assert_eq!(
            (
                probe.field.unwrap_or_default(),
                probe.rows,
                probe.subject,
                probe.item
            ),
            (String::new(), 0, None, None),
            "{p:?}"
        );
    }
    assert!(status(&s).is_none());
    let t = draw(&mut s, 80, 24);
    let text = t.backend().to_string();
    assert!(text.contains("type your password to resume"), "{text}");
    assert!(text.contains("mlopez"), "{text}");
    for cell_text in [text.clone(), screen(&mut s, 120, 40)] {
        for phi in phi_strings() {
            assert!(
                !cell_text.contains(&phi),
                "{phi:?} is still on the lock screen"
            );
        }
    }
    let cells: String = t
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    for phi in phi_strings() {
        assert!(!cells.contains(&phi), "{phi:?} in a cell");
    }
    assert_snapshot!("lock_80x24", text);
    // a reply still on its way from before the lock is dropped unseen
    for id in 0..50 {
        update(&mut s, Msg::Db(id, Ok(found(fx::results(3)))));
        update(&mut s, Msg::Db(id, Ok(chart_reply(Box::new(fx::chart())))));
    }
    assert!(patients(&s).rows == 0 && chart(&s).subject.is_none());
    assert_eq!(mode(&s), Mode::Lock);
}

#[test]
fn the_lock_key_locks_and_only_the_password_field_and_quit_work() {
    let mut s = with_phi();
    update(&mut s, key(KeyCode::Esc));
    let fx = update(&mut s, alt('l'));
    assert_eq!(mode(&s), Mode::Lock);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Request(Req::Lock { .. })))
    );
    // q, digits, Tab, F1, Alt-2, :, ? do nothing but type (or nothing at all)
    for m in [
        key(KeyCode::Char('q')),
        key(KeyCode::Char('2')),
        key(KeyCode::Tab),
        key(KeyCode::F(1)),
        alt('2'),
        key(KeyCode::Char(':')),
        key(KeyCode::Esc),
        ctrl('z'),
    ] {
        let fx = update(&mut s, m);
        assert!(fx.is_empty(), "{fx:?}");
        assert_eq!(mode(&s), Mode::Lock);
    }
    // q, 2 and : typed (3 characters), nothing else
    let t = screen(&mut s, 80, 24);
    assert!(t.contains("Password  ••• "), "{t}");
    update(&mut s, Msg::Paste("pasted\n".into()));
    let t = screen(&mut s, 80, 24);
    assert!(t.contains("Password  ••••••••• "), "{t}");
    assert!(!t.contains("pasted"), "{t}");
    assert!(
        !format!("{:?}", lock_screen(&s)).contains("pasted"),
        "Debug hides it"
    );
    // sent, answered "wrong": the mask is gone, the answer shows
    let fx = update(&mut s, key(KeyCode::Enter));
    let id = match fx.as_slice() {
        [Effect::Request(r @ Req::Unlock { .. })] => r.id(),
        other => panic!("{other:?}"),
    };
    assert!(screen(&mut s, 80, 24).contains("checking the password"));
    let wrong = "the password is wrong; 4 more wrong tries and the account locks";
    update(&mut s, Msg::Db(id, Err(wrong.into())));
    type_offline(&mut s, "abc");
    assert_snapshot!("lock_wrong_80x24", screen(&mut s, 80, 24));
    for (w, h) in [(1, 1), (0, 0), (59, 14), (60, 15), (30, 40), (200, 7)] {
        let _ = draw(&mut s, w, h);
    }
    update(&mut s, ctrl('u'));
    assert!(!screen(&mut s, 80, 24).contains('•'), "the field is empty");
    // the empty field is not sent
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(fx.is_empty());
    assert_eq!(update(&mut s, ctrl('c')), vec![Effect::Quit]);
}

#[test]
fn a_site_that_asks_for_the_password_at_start_starts_locked() {
    let mut s = state("default");
    let fx = update(&mut s, Msg::LoggedIn(info(true, true)));
    assert!(fx.is_empty(), "the service is locked already: {fx:?}");
    assert_eq!(mode(&s), Mode::Lock);
    // no password at all: say so and quit rather than lock for good
    let mut s = state("default");
    let fx = update(&mut s, Msg::LoggedIn(info(true, false)));
    assert_eq!(fx, vec![Effect::Quit]);
    assert!(
        s.farewell
            .as_deref()
            .unwrap()
            .contains("chartroom user passwd")
    );
    let mut s = with_phi();
    s.login.as_mut().unwrap().has_password = false;
    let fx = idle(&mut s);
    assert!(fx.contains(&Effect::Quit));
    assert!(chart(&s).subject.is_none() && patients(&s).rows == 0);
}

/// A demo store, a service on it, and a state whose session has started.
fn started(n: usize) -> (tempfile::TempDir, Conn, State) {
    let dir = tmp();
    let db = demo_store(dir.path(), n);
    let mut svc = service(&db);
    let (session, login) = worker::begin(&mut svc).expect("login");
    let mut s = state("default");
    update(&mut s, Msg::Ready(Ok(session)));
    update(&mut s, Msg::LoggedIn(login));
    (dir, svc, s)
}

#[test]
fn wrong_password_stays_locked_right_one_resumes_the_same_chart_and_document() {
    let (_dir, mut svc, mut s) = started(300);
    type_str(&mut s, &mut svc, "smith");
    // a patient with documents, opened, then a document read
    let mut opened = None;
    for i in 0..patients(&s).rows {
        select_row(&mut s, i);
        feed(&mut s, &mut svc, key(KeyCode::Enter));
        let c = chart(&s);
        if c.subject.is_some() && c.rows > 0 {
            opened = c.subject;
            break;
        }
        feed(&mut s, &mut svc, key(KeyCode::Esc));
        update(&mut s, alt('1'));
    }
    let mrn = opened.expect("a smith with documents");
    let name = svc.show(&mrn).unwrap().patient.family.to_string();
    feed(&mut s, &mut svc, key(KeyCode::Down));
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    let doc_id = chart(&s).item.expect("a document open");
    assert_eq!(mode(&s), Mode::Document);

    let fx = feed(
        &mut s,
        &mut svc,
        Msg::Tick(Instant::now() + Duration::from_secs(301)),
    );
    assert!(fx.contains(&Effect::Redraw));
    assert_eq!(mode(&s), Mode::Lock);
    assert!(svc.is_locked(), "the worker locked the service");
    assert!(!screen(&mut s, 80, 24).contains(&name));

    // a wrong password: the message, still locked, the text never drawn
    let wrong = "hunter2xyz";
    type_str(&mut s, &mut svc, wrong);
    assert!(!screen(&mut s, 120, 40).contains(wrong));
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(
        !screen(&mut s, 80, 24).contains('•'),
        "the field is emptied the moment it is sent"
    );
    let req = match fx.as_slice() {
        [Effect::Request(r @ Req::Unlock { .. })] => r.clone(),
        other => panic!("{other:?}"),
    };
    assert!(!format!("{req:?}").contains(wrong), "Debug never shows it");
    let reply = worker::serve(&mut svc, &req);
    update(&mut s, Msg::Db(req.id(), reply));
    assert_eq!(mode(&s), Mode::Lock);
    let t = screen(&mut s, 80, 24);
    assert!(
        t.contains("password is wrong") && t.contains("4 more"),
        "{t}"
    );
    assert!(!t.contains(wrong), "{t}");
    assert!(svc.is_locked());

    // the right one: back on the same chart and document (asked for again)
    type_str(&mut s, &mut svc, DEMO_PASSWORD);
    assert!(!screen(&mut s, 80, 24).contains(DEMO_PASSWORD));
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    assert!(!s.is_locked());
    assert!(!svc.is_locked());
    assert_eq!(pane(&s), PaneId::Chart);
    assert_eq!(mode(&s), Mode::Document);
    let c = chart(&s);
    assert_eq!(c.subject.as_deref(), Some(mrn.as_str()), "chart back");
    assert_eq!(c.item, Some(doc_id), "document back, its text read");
    // idle again later: locks again (the clock restarted at the unlock)
    assert!(update(&mut s, Msg::Tick(Instant::now() + Duration::from_secs(100))).is_empty());
    idle(&mut s);
    assert_eq!(mode(&s), Mode::Lock);
}

#[test]
fn five_wrong_passwords_lock_the_account() {
    let (_dir, mut svc, mut s) = started(50);
    feed(
        &mut s,
        &mut svc,
        Msg::Tick(Instant::now() + Duration::from_secs(301)),
    );
    assert!(svc.is_locked());
    for i in 1..=5 {
        type_str(&mut s, &mut svc, "not-the-password");
        feed(&mut s, &mut svc, key(KeyCode::Enter));
        let t = screen(&mut s, 120, 40);
        if i < 5 {
            assert!(t.contains(&format!("{} more", 5 - i)), "{i}: {t}");
        } else {
            assert!(t.contains("is locked"), "{t}");
        }
    }
    // now even the right password is refused
    type_str(&mut s, &mut svc, DEMO_PASSWORD);
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    assert_eq!(mode(&s), Mode::Lock);
    let t = screen(&mut s, 120, 40);
    assert!(t.contains("is locked") && t.contains("supervisor"), "{t}");
    assert!(screen(&mut s, 80, 24).contains("is locked"));
}

#[test]
fn the_worker_thread_logs_in_locks_unlocks_and_logs_out() {
    let dir = tmp();
    let db = demo_store(dir.path(), 50);
    let svc = service(&db);
    let user = svc.actor().user.username.to_string();
    let (tx, rx) = mpsc::channel();
    let w = Worker::spawn_with(move || Ok(svc), tx);
    let next = || rx.recv_timeout(Duration::from_secs(20)).expect("a message");
    assert!(matches!(next(), Msg::Ready(Ok(_))));
    assert!(matches!(next(), Msg::LoggedIn(i) if !i.must_unlock && i.idle_timeout_s == 300));
    w.send(Req::Lock { id: 2 });
    assert!(matches!(next(), Msg::Db(2, Ok(Reply::Done))));
    w.send(Req::Pane {
        id: 3,
        req: chartroom::tui::panes::patients::Req::Search {
            query: "smith".into(),
            limit: 50,
        }
        .into(),
    });
    assert!(matches!(next(), Msg::Db(3, Err(e)) if e.raw().contains("locked")));
    let secret = |p: &str| chartroom::tui::state::Secret(zeroize::Zeroizing::new(p.to_string()));
    w.send(Req::Unlock {
        id: 4,
        password: secret("wrong"),
    });
    assert!(matches!(next(), Msg::Db(4, Err(e)) if e.raw().contains("password is wrong")));
    w.send(Req::Unlock {
        id: 5,
        password: secret(DEMO_PASSWORD),
    });
    assert!(matches!(next(), Msg::Db(5, Ok(Reply::Done))));
    // and asks again what the user may do now
    assert!(matches!(next(), Msg::Ready(Ok(s)) if !s.permissions.is_empty()));
    w.shutdown(Duration::from_secs(20));
    let mut reader = service(&db);
    let actions: Vec<String> = reader
        .audit_user(&user)
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.action.into_raw())
        .collect();
    let want = ["login", "lock", "failed_unlock", "unlock", "logout"];
    let mut it = actions.iter();
    for a in want {
        assert!(
            it.any(|x| x == a),
            "{a} missing or out of order in {actions:?}"
        );
    }
}

#[test]
fn the_event_loop_wakes_up_for_the_idle_lock_without_a_timer() {
    let mut s = with_phi();
    // no timer before login; a deadline after it, none while locked
    let mut fresh = state("default");
    assert!(fresh.idle_deadline().is_none());
    update(&mut fresh, Msg::LoggedIn(info(false, true)));
    assert!(fresh.idle_deadline().is_some());
    let (_tx, rx) = mpsc::channel::<Msg>();
    // a key pressed just now: the wait times out, the tick finds nothing to do yet
    let fx = chartroom::tui::runtime::turn(&mut s, &rx, Some(Duration::from_millis(5))).unwrap();
    assert!(fx.is_empty());
    assert_eq!(mode(&s), Mode::Document);
    // the last key long ago: the same wait locks
    if let Some(past) = Instant::now().checked_sub(Duration::from_secs(301)) {
        s.last_input = past;
        let fx =
            chartroom::tui::runtime::turn(&mut s, &rx, Some(Duration::from_millis(5))).unwrap();
        assert!(fx.contains(&Effect::Redraw));
        assert_eq!(mode(&s), Mode::Lock);
        assert!(s.idle_deadline().is_none());
    }
}
