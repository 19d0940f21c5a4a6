//! Automatic logoff: the idle lock, the lock key, the lock screen and the way back.
//!
//! Locking first clears every patient field from the state (search text and results, chart,
//! document, audit report, overlays, messages), keeping only where the user was (pane, the
//! MRN and document id that were open), then asks the worker to lock the service (audited).
//! The password goes to the worker inside a [`Secret`] that is wiped when dropped; the field
//! is empty again the moment Enter is pressed. A good password resumes: the chart and the
//! document are asked for again (those reads are audited like any other).

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::service::LoginInfo;

use super::action::Action;
use super::keymap::{Key, Mode};
use super::state::{
    AuditState, ChartState, Effect, Level, LockState, Msg, Overlay, Reply, Req, Resume,
    SearchStatus, Secret, State, empty_password,
};
use super::update::open_chart;

/// The longest password the field takes (in characters; at most 4 bytes each, so it fits
/// in the room reserved for it).
const MAX_PASSWORD: usize = super::state::PASSWORD_ROOM / 4;

/// What the session start said: the idle timeout, and whether to start locked.
pub fn on_logged_in(state: &mut State, info: LoginInfo, fx: &mut Vec<Effect>) {
    state.idle_timeout = std::time::Duration::from_secs(info.idle_timeout_s.max(1));
    state.last_input = Instant::now();
    let (must, has) = (info.must_unlock, info.has_password);
    state.login = Some(info);
    state.dirty = true;
    if must && !has {
        no_password(state, fx);
    } else if must {
        clear_phi(state);
        state.lock = Some(LockState::new(resume_point(state)));
    }
}

/// Without a password an idle lock could not be undone: say so and leave.
fn no_password(state: &mut State, fx: &mut Vec<Effect>) {
    state.farewell = Some(
        "chartroom closed: you have no password to unlock the screen; \
         ask your administrator for a password (`chartroom user passwd`)"
            .into(),
    );
    fx.push(Effect::Quit);
}

/// Checks the idle timeout at `now`.
pub fn on_tick(state: &mut State, now: Instant, fx: &mut Vec<Effect>) {
    if let Some(deadline) = state.idle_deadline()
        && now >= deadline
    {
        lock(state, fx);
    }
}

/// Where the user is, without any patient data.
fn resume_point(state: &State) -> Resume {
    let mrn = state
        .chart
        .chart
        .as_ref()
        .map(|c| c.patient.mrn.as_str().to_string())
        .or_else(|| state.chart.loading.clone());
    Resume {
        pane: state.pane,
        editing: state.patients.editing,
        mrn,
        doc_id: state.chart.doc.as_ref().map(|d| d.doc_id),
    }
}

/// Forgets every patient field the state holds. Request ids stay unique, so any reply still
/// on its way (sent before the lock) matches nothing and is dropped.
pub fn clear_phi(state: &mut State) {
    let ps = &mut state.patients;
    ps.query.clear();
    ps.cursor = 0;
    ps.results = Vec::new();
    ps.shown_query.clear();
    ps.table = Default::default();
    ps.status = SearchStatus::Idle;
    ps.latest = 0;
    state.chart = ChartState::default();
    state.audit = AuditState::default();
    state.overlay = Overlay::None;
    state.status = None;
    state.dirty = true;
}

/// Locks now: clear, then ask the worker to lock the service, then clear the terminal.
pub fn lock(state: &mut State, fx: &mut Vec<Effect>) {
    if state.lock.is_some() {
        return;
    }
    if state.login.as_ref().is_some_and(|l| !l.has_password) {
        clear_phi(state);
        fx.push(Effect::Request(Req::Lock {
            id: state.next_id(),
        }));
        return no_password(state, fx);
    }
    let resume = resume_point(state);
    clear_phi(state);
    state.lock = Some(LockState::new(resume));
    fx.push(Effect::Request(Req::Lock {
        id: state.next_id(),
    }));
    fx.push(Effect::Redraw);
}

/// A key on the lock screen: text goes into the password; Enter sends it; Ctrl-c quits.
pub fn key(state: &mut State, key: &Key, ev: &KeyEvent, fx: &mut Vec<Effect>) {
    match state.keymap.lookup(Mode::Lock, key) {
        Some(Action::Quit) => return fx.push(Effect::Quit),
        Some(Action::Redraw) => return fx.push(Effect::Redraw),
        _ => {}
    }
    let plain = !ev
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    let Some(l) = state.lock.as_mut() else {
        return;
    };
    state.dirty = true;
    match ev.code {
        KeyCode::Enter if l.pending.is_some() => {}
        KeyCode::Enter if l.password.is_empty() => {
            l.error = Some("type your password, then Enter".into());
        }
        KeyCode::Enter => {
            let password = Secret(std::mem::replace(&mut l.password, empty_password()));
            let id = state.next_id();
            if let Some(l) = state.lock.as_mut() {
                l.pending = Some(id);
                l.error = None;
            }
            fx.push(Effect::Request(Req::Unlock { id, password }));
        }
        KeyCode::Backspace => {
            l.password.pop();
        }
        KeyCode::Char('u') if ev.modifiers.contains(KeyModifiers::CONTROL) => l.password.clear(),
        KeyCode::Char(c) if plain && l.password.chars().count() < MAX_PASSWORD => {
            l.password.push(c)
        }
        _ => state.dirty = false,
    }
}

/// A paste on the lock screen (from a password manager) types into the field.
pub fn paste(state: &mut State, text: &str) {
    if let Some(l) = state.lock.as_mut() {
        let room = MAX_PASSWORD.saturating_sub(l.password.chars().count());
        l.password
            .extend(text.chars().filter(|c| !c.is_control()).take(room));
        state.dirty = true;
    }
}

/// While locked every reply goes through here: only the unlock's answer counts; anything
/// else (a read sent before the lock) is dropped unseen. Returns true when it was handled.
pub fn on_reply(
    state: &mut State,
    id: u64,
    reply: &Result<Reply, String>,
    fx: &mut Vec<Effect>,
) -> bool {
    let Some(l) = state.lock.as_mut() else {
        return false;
    };
    if l.pending != Some(id) {
        return true;
    }
    l.pending = None;
    state.dirty = true;
    match reply {
        Ok(_) => {
            let Some(l) = state.lock.take() else {
                return true;
            };
            resume(state, l.resume, fx);
        }
        Err(e) => l.error = Some(e.clone()),
    }
    true
}

/// Back where the user was: the pane, and the chart and document asked for again.
fn resume(state: &mut State, r: Resume, fx: &mut Vec<Effect>) {
    state.last_input = Instant::now();
    state.patients.editing = r.editing;
    if let Some(mrn) = r.mrn {
        state.chart.resume_doc = r.doc_id;
        open_chart(state, mrn, fx);
    }
    state.pane = r.pane;
    if r.pane == super::action::Pane::Audit {
        super::panes::audit::enter(state, fx);
    }
    state.say(Level::Info, "unlocked: welcome back");
}

/// Opens the document remembered at lock time once its chart is back.
pub fn reopen_document(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(doc_id) = state.chart.resume_doc.take() else {
        return;
    };
    let Some(i) = state
        .chart
        .chart
        .as_ref()
        .and_then(|c| c.documents.iter().position(|d| d.id == doc_id))
    else {
        return;
    };
    state.chart.docs.select(Some(i));
    state.request_document(doc_id, fx);
}

/// Whether a message is about input (a key or a paste): it resets the idle clock.
pub fn is_input(msg: &Msg) -> bool {
    matches!(msg, Msg::Key(_) | Msg::Paste(_))
}
