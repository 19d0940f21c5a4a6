//! The Reports pane: its work has not come yet; the screen says, in plain words, what
//! it will be for. Its code goes in this folder.

mod store;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Cx, Pane, PaneId, coming};
use crate::tui::action::Action;
use crate::tui::state::App;

pub use store::{Reply, Req};

const WILL: &[&str] = &[
    "run department reports: coding backlog, requests due, chart completion",
    "follow a long report as it runs, and stop it if you need to",
    "save a report to a file to share it",
];

pub struct Reports;

pub fn new() -> Reports {
    Reports
}

impl Pane for Reports {
    fn id(&self) -> PaneId {
        PaneId::Reports
    }

    fn act(&mut self, _a: Action, _cx: &mut Cx) -> bool {
        false
    }

    fn render(&mut self, app: &App, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
        coming(app, "Reports", WILL, area, buf);
        None
    }

    /// Holds no patient data yet.
    fn lock(&mut self) {}
}
