//! A small read-only view of the state for tests and benches: what the user would see, as
//! plain data (the pane on screen, the mode, the status message, each pane's [`Probe`], the
//! screen's text), so tests survive changes to how the state is laid out.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::action::PaneId;
use super::jobs::Running;
use super::keymap::Mode;
use super::panes::Probe;
use super::state::{Level, State};
use super::widgets::form::Form;

impl State {
    /// The pane on screen.
    pub fn current(&self) -> PaneId {
        self.pane
    }

    /// What pane `p` holds, as plain data.
    pub fn probe(&self, p: PaneId) -> Probe {
        self.panes.get(p).probe()
    }

    /// The message in the status bar.
    pub fn message(&self) -> Option<(Level, String)> {
        self.app.status.as_ref().map(|(l, m)| (*l, m.to_string()))
    }

    /// The status bar's mode label (SEARCH, NORMAL, READ, LOCKED…).
    pub fn mode_label(&self) -> &'static str {
        self.mode().label()
    }

    pub fn is_locked(&self) -> bool {
        self.mode() == Mode::Lock
    }

    /// The job the gauge shows.
    pub fn job(&self) -> Option<&Running> {
        self.jobs.running.as_ref()
    }

    /// The whole screen at `w`×`h`, as text (one line per row).
    pub fn screen_text(&mut self, w: u16, h: u16) -> String {
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        super::view::render(self, area, &mut buf);
        text_of(&buf)
    }

    /// Pane `p` alone drawn at `w`×`h`, whichever pane is on screen (or whether locked).
    pub fn pane_text(&mut self, p: PaneId, w: u16, h: u16) -> String {
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        super::view::render_pane(self, p, area, &mut buf);
        text_of(&buf)
    }

    /// Opens a form over the current pane, as a pane does when it asks for one.
    #[doc(hidden)]
    pub fn open_form(&mut self, form: Form) {
        self.panes.slot_mut(self.pane).form = Some(form);
        self.app.dirty = true;
    }

    /// The form open over pane `p` (drawn), if any.
    pub fn form(&self, p: PaneId) -> Option<&Form> {
        self.panes.form(p)
    }

    /// A draft put away at the lock (in memory, drawn nowhere).
    pub fn stowed_form(&self, p: PaneId) -> Option<&Form> {
        self.panes.stowed(p)
    }
}

/// A buffer's text, row by row.
pub fn text_of(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in buf.area.top()..buf.area.bottom() {
        for x in buf.area.left()..buf.area.right() {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
