//! Automatic logoff: the idle lock, the lock key, the lock screen and the way back.
//!
//! Locking first has every pane in the registry forget its patient fields (search text and
//! results, chart, document, audit report…) and keep only where the user was; an unsaved
//! form's draft is put away where nothing draws it. Overlays and messages go too. Then the
//! worker is asked to lock the service (audited). The password is typed into a masked field
//! and goes to the worker inside a [`Secret`] that is wiped when dropped; the field is empty
//! again the moment Enter is pressed. A good password resumes: every pane asks again for
//! what it had open (those reads are audited like any other), the same pane comes back.

use crate::domain::Text;
use std::fmt;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent};

use crate::service::LoginInfo;

use super::action::{Action, PaneId};
use super::keymap::{Key, Mode};
use super::overlay::Overlay;
use super::state::{Effect, Level, Msg, Owner, Reply, Req, Secret, State};
use super::update::{enter, with_pane};
use super::widgets::field::{Edit, TextField};

/// The longest password the field takes (in characters; its room is reserved up front).
pub const MAX_PASSWORD: usize = 256;

/// The lock screen: a masked password field and the last answer.
pub struct LockState {
    pub password: TextField,
    pub error: Option<Text>,
    /// The unlock request on its way.
    pub pending: Option<u64>,
    /// The pane to come back to.
    pub pane: PaneId,
}

impl LockState {
    pub fn new(pane: PaneId) -> LockState {
        LockState {
            password: TextField::masked(MAX_PASSWORD),
            error: None,
            pending: None,
            pane,
        }
    }
}

impl fmt::Debug for LockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockState")
            .field("password", &"***")
            .field("error", &self.error)
            .field("pending", &self.pending)
            .field("pane", &self.pane)
            .finish()
    }
}

/// What the session start said: the idle timeout, and whether to start locked.
pub fn on_logged_in(state: &mut State, info: LoginInfo, fx: &mut Vec<Effect>) {
    state.idle_timeout = std::time::Duration::from_secs(info.idle_timeout_s.max(1));
    state.last_input = Instant::now();
    let (must, has) = (info.must_unlock, info.has_password);
    state.login = Some(info);
    state.app.dirty = true;
    if must && !has {
        no_password(state, fx);
    } else if must {
        clear_phi(state);
        state.lock = Some(LockState::new(state.pane));
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

/// Forgets every patient field the state holds, pane by pane through the registry. Request
/// ids stay unique, so any reply still on its way (sent before the lock) matches nothing
/// and is dropped.
pub fn clear_phi(state: &mut State) {
    state.panes.lock_all();
    state.overlay = Overlay::None;
    state.chord = None;
    state.app.status = None;
    state.app.dirty = true;
}

/// Locks now: clear, then ask the worker to lock the service, then clear the terminal.
pub fn lock(state: &mut State, fx: &mut Vec<Effect>) {
    if state.lock.is_some() {
        return;
    }
    let id = state.app.next_id(Owner::Lock);
    if state.login.as_ref().is_some_and(|l| !l.has_password) {
        clear_phi(state);
        fx.push(Effect::Request(Req::Lock { id }));
        return no_password(state, fx);
    }
    clear_phi(state);
    state.lock = Some(LockState::new(state.pane));
    fx.push(Effect::Request(Req::Lock { id }));
    fx.push(Effect::Redraw);
}

/// The records server ended the session (it expired): the screen locks as it does when
/// idle (every patient field forgotten, a form's draft put away), saying why, and the
/// password signs in again; the same pane, chart and draft come back. No lock request goes
/// out: there is no session left to lock.
pub fn expired(state: &mut State, why: Text, fx: &mut Vec<Effect>) {
    if let Some(l) = state.lock.as_mut() {
        l.error = Some(why);
        state.app.dirty = true;
        return;
    }
    clear_phi(state);
    let mut l = LockState::new(state.pane);
    l.error = Some(why);
    state.lock = Some(l);
    fx.push(Effect::Redraw);
}

/// A key on the lock screen: text goes into the password; Enter sends it; Ctrl-c quits.
pub fn key(state: &mut State, key: &Key, ev: &KeyEvent, fx: &mut Vec<Effect>) {
    match state.app.keymap.lookup(Mode::Lock, key) {
        Some(Action::Quit | Action::QuitNow) => return fx.push(Effect::Quit),
        Some(Action::Redraw) => return fx.push(Effect::Redraw),
        _ => {}
    }
    let Some(l) = state.lock.as_mut() else {
        return;
    };
    state.app.dirty = true;
    match ev.code {
        KeyCode::Enter if l.pending.is_some() => {}
        KeyCode::Enter if l.password.is_empty() => {
            l.error = Some("type your password, then Enter".into());
        }
        KeyCode::Enter => {
            let password = Secret(l.password.take_secret());
            let id = state.app.next_id(Owner::Lock);
            if let Some(l) = state.lock.as_mut() {
                l.pending = Some(id);
                l.error = None;
            }
            fx.push(Effect::Request(Req::Unlock { id, password }));
        }
        _ => {
            if matches!(l.password.key(ev), Edit::Ignored) {
                state.app.dirty = false;
            }
        }
    }
}

/// A paste on the lock screen (from a password manager) types into the field; the pasted
/// text is wiped once it is in.
pub fn paste(state: &mut State, mut text: String) {
    if let Some(l) = state.lock.as_mut() {
        l.password.paste(&text);
        state.app.dirty = true;
    }
    zeroize::Zeroize::zeroize(&mut text);
}

/// While locked every reply goes through here: only the unlock's answer counts; anything
/// else (a read sent before the lock) is dropped unseen. Returns true when it was handled.
pub fn on_reply(
    state: &mut State,
    id: u64,
    reply: &Result<Reply, Text>,
    fx: &mut Vec<Effect>,
) -> bool {
    let Some(l) = state.lock.as_mut() else {
        return false;
    };
    if l.pending != Some(id) {
        return true;
    }
    l.pending = None;
    state.app.dirty = true;
    match reply {
        Ok(_) => {
            if let Some(l) = state.lock.take() {
                resume(state, l.pane, fx);
            }
        }
        Err(e) => l.error = Some(e.clone()),
    }
    true
}

/// Back where the user was: every pane asks again for what it had open, the same pane is
/// shown, a form's draft comes back.
fn resume(state: &mut State, pane: PaneId, fx: &mut Vec<Effect>) {
    state.last_input = Instant::now();
    for p in PaneId::ALL {
        with_pane(state, *p, fx, |pane, cx| pane.unlock(cx));
        state.panes.unstow(*p);
    }
    state.pane = pane;
    enter(state, pane, fx);
    match state.jobs.note.take() {
        Some((level, note)) => state.say(level, format!("unlocked; {note}")),
        None => state.say(Level::Info, "unlocked: welcome back"),
    }
}

/// Whether a message is about input (a key or a paste): it resets the idle clock.
pub fn is_input(msg: &Msg) -> bool {
    matches!(msg, Msg::Key(_) | Msg::Paste(_))
}
