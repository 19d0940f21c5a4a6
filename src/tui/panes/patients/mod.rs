//! The Patients pane: the search box and the live results table. Search as you type: every
//! change of the text asks again, and only the newest answer is shown.

mod store;
mod view;

use crate::domain::Text;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::TableState;

use super::{Cmd, Cx, Pane, PaneId, PaneReply, Probe, own};
use crate::service::Found;
use crate::tui::action::Action;
use crate::tui::keymap::Mode;
use crate::tui::state::{App, Level};
use crate::tui::widgets::field::{Edit, TextField};

pub use store::{Reply, Req};

/// The most characters the search box holds (a pasted page is cut, with a message).
pub const MAX_QUERY: usize = 200;

/// How many results a search asks for.
pub const SEARCH_LIMIT: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchStatus {
    /// Nothing typed yet.
    Idle,
    /// A search for the current text is on its way.
    Searching,
    /// Results for `query` are shown.
    Done,
    Failed(Text),
}

pub struct Patients {
    query: TextField,
    results: Vec<Found>,
    /// The query the shown results answer.
    shown_query: String,
    table: TableState,
    status: SearchStatus,
    latest: u64,
    /// True while the search box has the keyboard.
    editing: bool,
    /// Rows in the last drawn table (for page moves).
    page: u16,
}

pub fn new() -> Patients {
    Patients {
        query: TextField::new(MAX_QUERY),
        results: Vec::new(),
        shown_query: String::new(),
        table: TableState::default(),
        status: SearchStatus::Idle,
        latest: 0,
        editing: true,
        page: 10,
    }
}

impl Patients {
    fn selected(&self) -> Option<&Found> {
        self.table.selected().and_then(|i| self.results.get(i))
    }

    /// Starts a search for the current text (the newest one wins).
    fn search(&mut self, cx: &mut Cx) {
        let q = self.query.text().trim().to_string();
        cx.redraw();
        if q.is_empty() {
            self.latest = 0;
            self.results.clear();
            self.table.select(None);
            self.status = SearchStatus::Idle;
            self.shown_query.clear();
            return;
        }
        self.status = SearchStatus::Searching;
        self.latest = cx.request(Req::Search { query: q });
    }
}

impl Pane for Patients {
    fn id(&self) -> PaneId {
        PaneId::Patients
    }

    fn mode(&self) -> Mode {
        if self.editing {
            Mode::Search
        } else {
            Mode::Normal
        }
    }

    fn act(&mut self, a: Action, cx: &mut Cx) -> bool {
        match a {
            Action::FocusSearch => self.editing = true,
            Action::LeaveField => self.editing = false,
            Action::ClearSearch => {
                self.query.clear();
                self.search(cx);
            }
            Action::Open => match self.selected().map(|f| f.row.mrn.to_string()) {
                Some(mrn) => cx.send(PaneId::Chart, Cmd::OpenRecord { mrn, reason: None }),
                None => cx.say(
                    Level::Info,
                    "no patient selected: type a name, MRN or date of birth first",
                ),
            },
            Action::Move(step) => {
                let n = self.results.len();
                if n > 0 {
                    let cur = self.table.selected().unwrap_or(0);
                    self.table
                        .select(Some(step.apply(cur, n, self.page as usize)));
                }
            }
            _ => return false,
        }
        true
    }

    fn text(&mut self, ev: &KeyEvent, cx: &mut Cx) {
        match self.query.key(ev) {
            Edit::Changed => self.search(cx),
            Edit::Moved => cx.redraw(),
            Edit::Full => cx.say(
                Level::Warning,
                format!("the search box holds at most {MAX_QUERY} characters"),
            ),
            Edit::Ignored => {}
        }
    }

    fn paste(&mut self, text: &str, cx: &mut Cx) -> bool {
        if !self.editing {
            return false;
        }
        if self.query.paste(text) == Edit::Full {
            cx.say(
                Level::Warning,
                format!("pasted text was cut to fit the search box ({MAX_QUERY} characters)"),
            );
        }
        self.search(cx);
        true
    }

    fn reply(&mut self, id: u64, reply: Result<PaneReply, Text>, cx: &mut Cx) {
        if id != self.latest {
            return;
        }
        let Some(reply) = own::<Reply>(reply) else {
            return;
        };
        match reply {
            Ok(Reply::Found(found)) => {
                self.results = found;
                self.shown_query = self.query.text().trim().to_string();
                self.table.select(if self.results.is_empty() {
                    None
                } else {
                    Some(0)
                });
                *self.table.offset_mut() = 0;
                self.status = SearchStatus::Done;
            }
            Err(e) => self.status = SearchStatus::Failed(e),
        }
        cx.redraw();
    }

    fn render(&mut self, app: &App, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
        view::render(self, app, area, buf)
    }

    fn hints(&self, mode: Mode) -> &'static [Action] {
        use crate::tui::action::Step::Down;
        use Action::*;
        if mode == Mode::Search {
            &[Move(Down), Open, LeaveField, ClearSearch, Help, Quit]
        } else {
            &[FocusSearch, Move(Down), Open, NextPane, Palette, Help, Quit]
        }
    }

    fn lock(&mut self) {
        let editing = self.editing;
        *self = new();
        self.editing = editing;
    }

    fn probe(&self) -> Probe {
        Probe {
            field: Some(self.query.text()),
            cursor: Some(self.query.cursor()),
            rows: self.results.len(),
            selected: self.table.selected(),
            selected_key: self.selected().map(|f| f.row.mrn.to_string()),
            subject: (!self.shown_query.is_empty()).then(|| self.shown_query.clone()),
            item: None,
            busy: self.status == SearchStatus::Searching,
            error: match &self.status {
                SearchStatus::Failed(e) => Some(e.clone()),
                _ => None,
            },
        }
    }
}
