//! Helpers for the TUI tests: a state with a fixed day, requests served synchronously
//! against a real service, keys, and rendering into a TestBackend.
#![allow(dead_code)]

use std::path::Path;

use chartroom::service::Service;
use chartroom::tui::state::Session;
use chartroom::tui::{Effect, Keymap, Msg, State, Theme, update, worker};
use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

/// A state with the default keys, the named built-in theme, and a fixed session.
pub fn state(theme: &str) -> State {
    let dir = Path::new("/nonexistent/chartroom-config");
    let (theme, problems) = Theme::load(theme, dir, false);
    assert!(problems.is_empty(), "{problems:?}");
    let mut s = State::new(Keymap::default(), theme, today(), dir.to_path_buf(), false);
    s.session = Some(Session {
        user: "mlopez".into(),
        role: "clerk".into(),
        store: "/srv/chartroom/demo.db".into(),
    });
    s
}

/// Applies a message, serving every store request at once (replies in order).
pub fn feed(s: &mut State, svc: &mut Service, msg: Msg) -> Vec<Effect> {
    let mut out = Vec::new();
    for e in update(s, msg) {
        match e {
            Effect::Request(r) => {
                let reply = worker::serve(svc, &r);
                out.extend(feed(s, svc, Msg::Db(r.id(), reply)));
            }
            other => out.push(other),
        }
    }
    out
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn alt(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

/// Types text one key at a time.
pub fn type_str(s: &mut State, svc: &mut Service, text: &str) -> Vec<Effect> {
    let mut out = Vec::new();
    for c in text.chars() {
        let m = if c.is_ascii_uppercase() {
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT))
        } else {
            key(KeyCode::Char(c))
        };
        out.extend(feed(s, svc, m));
    }
    out
}

/// Types text without a store: returns the effects `update` asked for.
pub fn type_offline(s: &mut State, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| update(s, key(KeyCode::Char(c))))
        .collect()
}

pub fn draw(s: &mut State, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| chartroom::tui::draw(f, s)).unwrap();
    t
}

/// The screen as text.
pub fn screen(s: &mut State, w: u16, h: u16) -> String {
    draw(s, w, h).backend().to_string()
}
