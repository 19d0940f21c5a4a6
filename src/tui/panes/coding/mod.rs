//! The Coding pane: its work has not come yet; the screen says, in plain words, what
//! it will be for. Its code goes in this folder.

mod store;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Cx, Pane, PaneId, coming};
use crate::tui::action::Action;
use crate::tui::state::App;

pub use store::{Reply, Req};

const WILL: &[&str] = &[
    "see the discharged visits waiting for codes (the DNFC list), oldest first",
    "look up ICD-10-CM, ICD-10-PCS and HCPCS codes by word or by code",
    "add, order and check the codes of a visit, then mark it coded",
];

pub struct Coding;

pub fn new() -> Coding {
    Coding
}

impl Pane for Coding {
    fn id(&self) -> PaneId {
        PaneId::Coding
    }

    fn act(&mut self, _a: Action, _cx: &mut Cx) -> bool {
        false
    }

    fn render(&mut self, app: &App, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
        coming(app, "Coding", WILL, area, buf);
        None
    }

    /// Holds no patient data yet.
    fn lock(&mut self) {}
}
