//! The Requests pane: its work has not come yet; the screen says, in plain words, what
//! it will be for. Its code goes in this folder.

mod store;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Cx, Pane, PaneId, coming};
use crate::tui::action::Action;
use crate::tui::state::App;

pub use store::{Reply, Req};

const WILL: &[&str] = &[
    "work release-of-information requests: who asked, and when each is due",
    "log chart requests from clinics and follow each until the chart is back",
    "see at a glance which requests are late",
];

pub struct Requests;

pub fn new() -> Requests {
    Requests
}

impl Pane for Requests {
    fn id(&self) -> PaneId {
        PaneId::Requests
    }

    fn act(&mut self, _a: Action, _cx: &mut Cx) -> bool {
        false
    }

    fn render(&mut self, app: &App, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
        coming(app, "Requests", WILL, area, buf);
        None
    }

    /// Holds no patient data yet.
    fn lock(&mut self) {}
}
