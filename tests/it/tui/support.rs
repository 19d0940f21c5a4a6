//! Helpers for the TUI tests: a state with a fixed day, requests served synchronously
//! against a real service, keys, rendering into a TestBackend, and a small facade over what
//! the user sees (the pane, the mode, the status message, a pane's rows and selection, the
//! search box) so the tests do not read the state's fields.
#![allow(dead_code)]

use std::path::Path;

use chartroom::domain::{Chart, Document, Permission, Role, access};
use chartroom::service::{AuditReport, Conn, Found, PrivacyAlert};
use chartroom::tui::panes::{
    PaneReq, Probe, audit as audit_pane, chart as chart_pane, patients as patients_pane,
};
use chartroom::tui::state::{Level, Msg, Reply, Req, Session};
use chartroom::tui::{Effect, Keymap, Mode, PaneId, State, Theme, update, worker};
use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

/// A session for `role` with what the service would let that role do.
pub fn session(role: &str) -> Session {
    let permissions = Role::parse(role)
        .map(|r| {
            Permission::ALL
                .into_iter()
                .filter(|p| access::default_allows(r, *p))
                .collect()
        })
        .unwrap_or_default();
    Session {
        user: "mlopez".into(),
        role: role.into(),
        store: "/srv/chartroom/demo.db".into(),
        permissions,
    }
}

/// A state with the default keys, the named built-in theme, and a fixed session (a role
/// that may do nothing special).
pub fn state(theme: &str) -> State {
    let dir = Path::new("/nonexistent/chartroom-config");
    let (theme, problems) = Theme::load(theme, dir, false);
    assert!(problems.is_empty(), "{problems:?}");
    let mut s = State::new(Keymap::default(), theme, today(), dir.to_path_buf(), false);
    update(&mut s, Msg::Ready(Ok(session("clerk"))));
    s
}

/// The same, signed in with `role`.
pub fn state_as(role: &str) -> State {
    let mut s = state("default");
    update(&mut s, Msg::Ready(Ok(session(role))));
    s
}

/// Applies a message, serving every store request at once (replies in order).
pub fn feed(s: &mut State, svc: &mut Conn, msg: Msg) -> Vec<Effect> {
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

/// Answers the last store request in `effects` with `reply`.
pub fn answer(s: &mut State, effects: Vec<Effect>, reply: Reply) -> Vec<Effect> {
    let id = effects
        .iter()
        .rev()
        .find_map(|e| match e {
            Effect::Request(r) => Some(r.id()),
            _ => None,
        })
        .expect("a store request");
    update(s, Msg::Db(id, Ok(reply)))
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    if c.is_ascii_uppercase() {
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT))
    } else {
        key(KeyCode::Char(c))
    }
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn alt(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

/// Types text one key at a time.
pub fn type_str(s: &mut State, svc: &mut Conn, text: &str) -> Vec<Effect> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(feed(s, svc, ch(c)));
    }
    out
}

/// Types text without a store: returns the effects `update` asked for.
pub fn type_offline(s: &mut State, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| update(s, ch(c))).collect()
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

// Replies as the store worker sends them, and the requests panes send.

pub fn found(v: Vec<Found>) -> Reply {
    let n = v.len();
    found_of(v, chartroom::search::Total::Exact(n))
}

/// The first rows of a search that matched `total` patients.
pub fn found_of(v: Vec<Found>, total: chartroom::search::Total) -> Reply {
    patients_pane::Reply::Found(v, total).into()
}

pub fn f10() -> Msg {
    key(KeyCode::F(10))
}

pub fn chart_reply(c: Box<Chart>) -> Reply {
    chart_pane::Reply::Chart(c).into()
}

pub fn doc_reply(d: Box<Document>) -> Reply {
    chart_pane::Reply::Document(d).into()
}

pub fn restricted(kinds: &str) -> Reply {
    chart_pane::Reply::Restricted {
        kinds: kinds.into(),
    }
    .into()
}

pub fn report_reply(r: Box<AuditReport>) -> Reply {
    audit_pane::Reply::Report(r).into()
}

pub fn alerts_reply(v: Vec<PrivacyAlert>) -> Reply {
    audit_pane::Reply::Alerts(v).into()
}

/// A pane's own request, if `r` is one.
pub fn pane_req(r: &Req) -> Option<&PaneReq> {
    match r {
        Req::Pane { req, .. } => Some(req),
        _ => None,
    }
}

/// The Audit pane's request in `r`, if it is one.
pub fn audit_req(r: &Req) -> Option<&audit_pane::Req> {
    match pane_req(r)? {
        PaneReq::Audit(a) => Some(a),
        _ => None,
    }
}

// The facade: what the user sees, never the state's fields.

pub fn theme_name(s: &State) -> &str {
    &s.app.theme.name
}

pub fn keymap(s: &State) -> &chartroom::tui::Keymap {
    &s.app.keymap
}

/// The lock screen's state (its Debug must never show the password).
pub fn lock_screen(s: &State) -> Option<&chartroom::tui::lock::LockState> {
    s.lock.as_ref()
}

pub fn pane(s: &State) -> PaneId {
    s.current()
}

pub fn mode(s: &State) -> Mode {
    s.mode()
}

pub fn status(s: &State) -> Option<(Level, String)> {
    s.message().map(|(l, m)| (l, m.to_string()))
}

pub fn patients(s: &State) -> Probe {
    s.probe(PaneId::Patients)
}

pub fn chart(s: &State) -> Probe {
    s.probe(PaneId::Chart)
}

pub fn audit(s: &State) -> Probe {
    s.probe(PaneId::Audit)
}

/// The text in the search box.
pub fn search_text(s: &State) -> String {
    patients(s).field.unwrap_or_default()
}

/// The selected row of the current pane.
pub fn selected_row(s: &State) -> Option<usize> {
    s.probe(s.current()).selected
}

/// The MRN of the selected search result.
pub fn selected_mrn(s: &State) -> Option<String> {
    patients(s).selected_key
}

/// Moves the selection of the current list to row `i` with the arrow keys.
pub fn select_row(s: &mut State, i: usize) {
    while selected_row(s).unwrap_or(0) > i {
        update(s, key(KeyCode::Up));
    }
    while selected_row(s).unwrap_or(0) < i {
        update(s, key(KeyCode::Down));
    }
    assert_eq!(selected_row(s), Some(i));
}
