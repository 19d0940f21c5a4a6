//! Long work on its own lane: the job is sent to the job worker (a thread with its own
//! `Service`), its progress comes back as replies and shows in a line gauge above the footer;
//! Cancel asks the lane to stop it. A search keystroke never waits behind a job: the store
//! worker serves it meanwhile.

use crate::domain::Text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{LineGauge, Widget};

use super::action::{Action, PaneId};
use super::keymap::Mode;
use super::state::{App, Effect, Job, Level, Owner, Reply, Req, State};
use super::theme::Role;

/// The job on its way, as the gauge shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    pub id: u64,
    pub label: &'static str,
    pub done: u64,
    pub total: u64,
    /// Cancel was asked; the lane has not said it stopped yet.
    pub cancelling: bool,
}

#[derive(Debug, Default)]
pub struct Jobs {
    pub running: Option<Running>,
    /// How a job ended while the screen was locked: said after the unlock.
    pub note: Option<(Level, String)>,
}

/// Starts a job on the job lane (one at a time). Returns its request id.
pub fn start(state: &mut State, job: Job, fx: &mut Vec<Effect>) -> Option<u64> {
    if state.jobs.running.is_some() {
        state.say(
            Level::Warning,
            "a long job is running already: wait for it, or stop it first",
        );
        return None;
    }
    let id = state.app.next_id(Owner::Jobs);
    state.jobs.running = Some(Running {
        id,
        label: job.label(),
        done: 0,
        total: 0,
        cancelling: false,
    });
    state.app.dirty = true;
    fx.push(Effect::Request(Req::Job { id, job }));
    Some(id)
}

/// Asks the lane to stop the running job.
pub fn cancel(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(r) = state.jobs.running.as_mut() else {
        state.say(Level::Info, "no long job is running");
        return;
    };
    if !r.cancelling {
        r.cancelling = true;
        let job = r.id;
        let id = state.app.next_id(Owner::Jobs);
        fx.push(Effect::Request(Req::CancelJob { id, job }));
    }
    state.app.dirty = true;
}

/// A reply from the job lane.
pub fn on_reply(state: &mut State, id: u64, reply: Result<Reply, Text>) {
    let Some(r) = state.jobs.running.as_mut().filter(|r| r.id == id) else {
        return;
    };
    state.app.dirty = true;
    let label = r.label;
    let note = match reply {
        Ok(Reply::Progress { done, total }) => {
            r.done = done;
            r.total = total;
            return;
        }
        Ok(Reply::Finished(what)) => (Level::Info, format!("{label} done: {what}")),
        Ok(Reply::Cancelled) => (Level::Info, format!("{label} stopped; nothing kept")),
        Ok(_) => (Level::Info, format!("{label} ended")),
        Err(e) => (Level::Error, format!("{label} failed: {e}")),
    };
    state.jobs.running = None;
    if state.lock.is_some() {
        state.jobs.note = Some(note);
    } else {
        state.say(note.0, note.1);
    }
}

/// The gauge: what runs, how far it is, how to stop it.
pub fn render(r: &Running, app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let ratio = if r.total == 0 {
        0.0
    } else {
        (r.done as f64 / r.total as f64).clamp(0.0, 1.0)
    };
    let key = app
        .keymap
        .hint(Mode::Normal, PaneId::Patients, Action::CancelJob)
        .unwrap_or_else(|| ":cancel_job".into());
    let what = if r.cancelling {
        format!("{} · stopping…", r.label)
    } else if r.total == 0 {
        format!("{} · starting… · {key} stops it", r.label)
    } else {
        format!(
            "{} {}/{} ({:.0}%) · {key} stops it",
            r.label,
            r.done,
            r.total,
            ratio * 100.0
        )
    };
    LineGauge::default()
        .ratio(ratio)
        .label(Span::styled(format!("{what} "), t.style(Role::Base)))
        .filled_symbol("━")
        .unfilled_symbol("─")
        .filled_style(t.style(Role::Accent))
        .unfilled_style(t.style(Role::Muted))
        .render(area, buf);
}
