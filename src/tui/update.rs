//! `update`: one message in, the state changed and a list of effects out. No I/O here.
//! This file keeps what is the app's own (global actions, overlays, forms, chords) and the
//! dispatch: a key becomes an action in the current pane's context, a reply goes back to the
//! pane that asked (its id says which), and what a pane asks of the others runs after it.

use crate::domain::Text;
use crossterm::event::KeyEvent;

use super::action::{Action, PaneId};
use super::jobs;
use super::keymap::{Found, Key, Mode};
use super::lock;
use super::overlay::{self, Glass, MAX_REASON, Overlay};
use super::palette::PaletteState;
use super::panes::{Ask, Cmd, Cx, Pane};
use super::question;
use super::state::{Effect, Level, Link, Msg, Owner, Reply, State, owner};
use super::widgets::field::TextField;
use super::widgets::form::Outcome;

pub use super::panes::patients::SEARCH_LIMIT;

/// Applies one message. Sets `state.app.dirty` when the screen must be drawn again.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    if lock::is_input(&msg) {
        state.last_input = std::time::Instant::now();
    }
    match msg {
        Msg::Key(ev) => on_key(state, ev, &mut fx),
        Msg::Paste(text) => on_paste(state, text, &mut fx),
        Msg::Resize(w, h) => {
            state.app.size = (w, h);
            state.app.dirty = true;
        }
        Msg::Ready(Ok(session)) => {
            state.app.session = Some(session);
            state.app.dirty = true;
        }
        Msg::Ready(Err(e)) => {
            state.app.store_error = Some(e.clone());
            state.say(Level::Error, e);
        }
        Msg::LoggedIn(info) => lock::on_logged_in(state, info, &mut fx),
        Msg::Tick(now) => lock::on_tick(state, now, &mut fx),
        Msg::Db(id, reply) => on_reply(state, id, reply, &mut fx),
        Msg::Link(Link::Down(why)) => {
            state.say(
                Level::Error,
                format!(
                    "no answer from the records server; chartroom keeps trying, and what you typed stays here: {why}"
                ),
            );
        }
        Msg::Link(Link::Back) => state.say(Level::Info, "connected to the records server again"),
        Msg::Link(Link::Expired(why)) => lock::expired(state, why, &mut fx),
        Msg::Terminate => fx.push(Effect::Quit),
        Msg::Suspend => fx.push(Effect::Suspend),
    }
    fx
}

fn on_key(state: &mut State, ev: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(key) = Key::from_event(&ev) else {
        return;
    };
    let mode = state.mode();
    // "terminal too small": the screen is hidden, so keys do nothing there but quit,
    // suspend and lock (and answer a question, which that screen shows).
    if state.app.too_small() && mode != Mode::Confirm {
        if let Some(a @ (Action::QuitNow | Action::Suspend | Action::Lock)) =
            state.app.keymap.lookup(Mode::Global, &key)
        {
            act(state, a, fx);
        }
        return;
    }
    match mode {
        Mode::Confirm => return question::key(state, &key, &ev, fx),
        Mode::Lock => return lock::key(state, &key, &ev, fx),
        Mode::Glass => return overlay::glass_key(state, &key, &ev, fx),
        Mode::Form => return form_key(state, &key, &ev, fx),
        _ => {}
    }
    let mut found = match state.chord.take() {
        // A chord half typed: Esc cancels it; a key that does not finish it counts alone.
        Some(_) if key.is_esc() => {
            state.app.dirty = true;
            return;
        }
        Some(first) => match state.app.keymap.find(mode, state.pane, Some(first), &key) {
            Found::None => {
                state.app.dirty = true;
                Found::None
            }
            f => f,
        },
        None => Found::None,
    };
    if found == Found::None {
        found = state.app.keymap.find(mode, state.pane, None, &key);
    }
    match found {
        Found::Action(a) => act(state, a, fx),
        // The first key of a chord: the which-key hint shows what may follow (no timer).
        Found::Prefix => {
            state.chord = Some(key);
            state.app.dirty = true;
        }
        Found::None if mode == Mode::Palette => overlay::palette_key(state, &ev),
        Found::None if mode.is_text() => {
            let p = state.pane;
            with_pane(state, p, fx, |pane, cx| pane.text(&ev, cx));
        }
        Found::None => {}
    }
}

fn on_paste(state: &mut State, text: String, fx: &mut Vec<Effect>) {
    match state.mode() {
        Mode::Lock => lock::paste(state, text),
        Mode::Palette => overlay::palette_paste(state, &text),
        Mode::Glass => overlay::glass_paste(state, &text),
        Mode::Confirm => question::paste(state, &text),
        Mode::Form => {
            if let Some(f) = state.panes.slot_mut(state.pane).form.as_mut() {
                f.paste(&text);
                state.app.dirty = true;
            }
        }
        Mode::Normal | Mode::Search | Mode::Document => {
            let p = state.pane;
            if !with_pane(state, p, fx, |pane, cx| pane.paste(&text, cx)) {
                paste_nowhere(state);
            }
        }
        _ => paste_nowhere(state),
    }
}

fn paste_nowhere(state: &mut State) {
    state.say(
        Level::Info,
        "paste goes into a text field: press / to type in the search box",
    );
}

fn on_reply(state: &mut State, id: u64, reply: Result<Reply, Text>, fx: &mut Vec<Effect>) {
    // A job's progress carries no patient data: it is followed even while locked.
    if owner(id) == Owner::Jobs {
        return jobs::on_reply(state, id, reply);
    }
    if lock::on_reply(state, id, &reply, fx) {
        return;
    }
    match owner(id) {
        Owner::Pane(p) => {
            let reply = match reply {
                Ok(Reply::Pane(r)) => Ok(r),
                Ok(_) => return,
                Err(e) => Err(e),
            };
            with_pane(state, p, fx, |pane, cx| pane.reply(id, reply, cx));
        }
        // A reply to nobody (overtaken, or from before a lock): dropped.
        Owner::App | Owner::Lock | Owner::Jobs => {}
    }
}

/// Runs `f` on pane `p` with its handle on the app, then what it asked for.
pub fn with_pane<R>(
    state: &mut State,
    p: PaneId,
    fx: &mut Vec<Effect>,
    f: impl FnOnce(&mut dyn Pane, &mut Cx) -> R,
) -> R {
    let record = state.panes.record();
    let mut asks = Vec::new();
    let r = {
        let slot = state.panes.slot_mut(p);
        let mut cx = Cx::new(&mut state.app, p, record, fx, &mut asks);
        f(slot.pane.as_mut(), &mut cx)
    };
    for a in asks {
        match a {
            Ask::Show(to) => show(state, to, fx),
            Ask::Send(to, c) => send(state, to, c, fx),
            Ask::Glass { target, kinds } => {
                state.overlay = Overlay::Glass(Glass {
                    target,
                    kinds,
                    confirmed: false,
                    reason: TextField::new(MAX_REASON),
                    from: p,
                });
                state.app.dirty = true;
            }
            Ask::Form(f) => {
                state.panes.slot_mut(p).form = Some(f);
                state.app.dirty = true;
            }
            Ask::Job(job) => {
                jobs::start(state, job, fx);
            }
            Ask::Question(mut q) => {
                q.from = p;
                state.overlay = Overlay::Question(q);
                state.app.dirty = true;
            }
        }
    }
    r
}

/// Gives pane `p` a command (from another pane or the palette).
pub fn send(state: &mut State, p: PaneId, c: Cmd, fx: &mut Vec<Effect>) {
    with_pane(state, p, fx, |pane, cx| pane.command(c, cx));
}

/// The pane came on screen.
pub fn enter(state: &mut State, p: PaneId, fx: &mut Vec<Effect>) {
    with_pane(state, p, fx, |pane, cx| pane.enter(cx));
}

/// Puts pane `p` on screen (closing any overlay).
fn show(state: &mut State, p: PaneId, fx: &mut Vec<Effect>) {
    state.overlay = Overlay::None;
    state.app.dirty = true;
    if state.pane != p {
        let old = state.pane;
        with_pane(state, old, fx, |pane, cx| pane.leave(cx));
        state.pane = p;
        enter(state, p, fx);
    }
}

/// Does what an action asks: the app's own actions here, the rest in the current pane.
pub fn act(state: &mut State, a: Action, fx: &mut Vec<Effect>) {
    state.app.dirty = true;
    let mode = state.mode();
    match a {
        Action::Quit => question::quit(state, false, fx),
        Action::QuitNow => question::quit(state, true, fx),
        Action::Suspend => fx.push(Effect::Suspend),
        Action::Redraw => fx.push(Effect::Redraw),
        Action::Lock => lock::lock(state, fx),
        Action::CancelJob => jobs::cancel(state, fx),
        Action::Help => {
            state.overlay = match state.overlay {
                Overlay::Help { .. } => Overlay::None,
                _ => Overlay::Help {
                    scroll: 0,
                    under: mode,
                    pane: state.pane,
                },
            }
        }
        Action::Palette => state.overlay = Overlay::Palette(PaletteState::default()),
        Action::Go(p) => show(state, p, fx),
        Action::NextPane | Action::PrevPane => {
            let n = PaneId::ALL.len();
            let step = if a == Action::NextPane { 1 } else { n - 1 };
            show(state, PaneId::from_index(state.pane.index() + step), fx);
        }
        Action::Confirm if mode == Mode::Palette => overlay::confirm(state, fx),
        Action::Back if matches!(mode, Mode::Help | Mode::Palette) => state.overlay = Overlay::None,
        Action::Move(step) if overlay::move_in(state, step) => {}
        _ => {
            let p = state.pane;
            if !with_pane(state, p, fx, |pane, cx| pane.act(a, cx)) {
                fallback(state, a, fx);
            }
        }
    }
}

/// An action the current pane does not take.
fn fallback(state: &mut State, a: Action, fx: &mut Vec<Effect>) {
    match a {
        // `/` in a pane with no search of its own: the patient search.
        Action::FocusSearch => {
            state.pane = PaneId::Patients;
            with_pane(state, PaneId::Patients, fx, |pane, cx| pane.act(a, cx));
        }
        _ => state.app.dirty = false,
    }
}

/// A key while a form is open over the current pane.
fn form_key(state: &mut State, key: &Key, ev: &KeyEvent, fx: &mut Vec<Effect>) {
    let p = state.pane;
    let asking = state.panes.form(p).is_some_and(|f| f.asking);
    let action = state.app.keymap.lookup(Mode::Form, key).filter(|_| !asking);
    state.app.dirty = true;
    let Some(form) = state.panes.slot_mut(p).form.as_mut() else {
        return;
    };
    let outcome = match action {
        Some(a @ (Action::NextField | Action::PrevField | Action::Save | Action::Back)) => {
            form.act(a)
        }
        Some(other) => return act(state, other, fx),
        None => form.key(ev),
    };
    match outcome {
        Outcome::Stay => {}
        Outcome::Close => state.panes.slot_mut(p).form = None,
        Outcome::Save => {
            let Some(form) = state.panes.slot_mut(p).form.take() else {
                return;
            };
            // The pane took it (its request carries the values): the form closes.
            if !with_pane(state, p, fx, |pane, cx| pane.save(&form, cx)) {
                state.say(Level::Warning, "this form cannot be saved here yet");
                state.panes.slot_mut(p).form = Some(form);
            }
        }
    }
}
