//! The Patients pane: the search box and the live results table. Search-first, as fzf and
//! television are: the box always has the keyboard here, so every printable key (`q`, `j`,
//! `?`, `:`, digits) is text; panes are switched with Alt-1…Alt-6, F2…F7 or Tab/Shift-Tab.
//! Every change of the text asks again, and only the newest answer is shown. The title says
//! how many matched ("first 50 of 132"); moving past the last row asks for 50 more.

mod store;
mod view;

use crate::domain::Text;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::TableState;

use super::{Cmd, Cx, Pane, PaneId, PaneReply, Probe, own};
use crate::search::Total;
use crate::service::Found;
use crate::tui::action::{Action, Step};
use crate::tui::keymap::Mode;
use crate::tui::state::{App, Level};
use crate::tui::widgets::field::{Edit, TextField};

pub use store::{Reply, Req};

/// The most characters the search box holds (a pasted page is cut, with a message).
pub const MAX_QUERY: usize = 200;

/// How many results a search asks for (and how many more each page on).
pub const SEARCH_LIMIT: usize = 50;

/// The most rows paging on reaches (then: narrow the search).
pub const MAX_ROWS: usize = 1000;

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
    /// How many patients the shown results come from.
    total: Total,
    /// The query the shown results answer.
    shown_query: String,
    table: TableState,
    status: SearchStatus,
    latest: u64,
    /// How many rows the next search asks for (grows when the user pages on).
    limit: usize,
    /// The row to select when the next page arrives.
    select_after: Option<usize>,
    /// A search went out since the burst was last closed.
    in_burst: bool,
    /// Rows in the last drawn table (for page moves).
    page: u16,
}

pub fn new() -> Patients {
    Patients {
        query: TextField::new(MAX_QUERY),
        results: Vec::new(),
        total: Total::Exact(0),
        shown_query: String::new(),
        table: TableState::default(),
        status: SearchStatus::Idle,
        latest: 0,
        limit: SEARCH_LIMIT,
        select_after: None,
        in_burst: false,
        page: 10,
    }
}

impl Patients {
    fn selected(&self) -> Option<&Found> {
        self.table.selected().and_then(|i| self.results.get(i))
    }

    /// Starts a search for the current text (the newest one wins).
    fn search(&mut self, cx: &mut Cx) {
        self.limit = SEARCH_LIMIT;
        self.select_after = None;
        self.ask(cx);
    }

    fn ask(&mut self, cx: &mut Cx) {
        let q = self.query.text().trim().to_string();
        cx.redraw();
        if q.is_empty() {
            self.latest = 0;
            self.results.clear();
            self.total = Total::Exact(0);
            self.table.select(None);
            self.status = SearchStatus::Idle;
            self.shown_query.clear();
            return;
        }
        self.status = SearchStatus::Searching;
        self.in_burst = true;
        self.latest = cx.request(Req::Search {
            query: q,
            limit: self.limit,
        });
    }

    /// More rows than shown matched: ask for the next page, and select `then` when it comes.
    fn page_on(&mut self, then: usize, cx: &mut Cx) -> bool {
        let n = self.results.len();
        let more = match self.total {
            Total::Exact(t) => t > n,
            Total::MoreThan(_) => true,
        };
        if !more || n < self.limit || self.status == SearchStatus::Searching {
            return false;
        }
        if n >= MAX_ROWS {
            cx.say(
                Level::Info,
                format!("the first {MAX_ROWS} are shown: add a birth date or a first name to narrow"),
            );
            return true;
        }
        self.limit = n + SEARCH_LIMIT;
        self.select_after = Some(then);
        self.ask(cx);
        true
    }

    /// Closes the typing burst (its audit row), once.
    fn end_burst(&mut self, cx: &mut Cx) {
        if std::mem::take(&mut self.in_burst) {
            cx.request(Req::EndBurst);
        }
    }
}

impl Pane for Patients {
    fn id(&self) -> PaneId {
        PaneId::Patients
    }

    fn mode(&self) -> Mode {
        Mode::Search
    }

    fn act(&mut self, a: Action, cx: &mut Cx) -> bool {
        match a {
            Action::FocusSearch => {}
            // The box keeps the keyboard here: say how to leave, lose nothing.
            Action::LeaveField => {
                let next = cx
                    .app
                    .keymap
                    .hint(Mode::Search, PaneId::Patients, Action::NextPane)
                    .unwrap_or_else(|| "Tab".into());
                cx.say(
                    Level::Info,
                    format!(
                        "typing stays in the search box here: {next} or Alt-2…Alt-6 go to another pane, Ctrl-u clears the box"
                    ),
                );
            }
            Action::ClearSearch => {
                self.query.clear();
                self.search(cx);
            }
            Action::Open => match self.selected().map(|f| f.row.mrn.to_string()) {
                Some(mrn) => {
                    // Opening the chart closes the burst (the service writes its row).
                    self.in_burst = false;
                    cx.send(PaneId::Chart, Cmd::OpenRecord { mrn, reason: None })
                }
                None => cx.say(
                    Level::Info,
                    "no patient selected: type a name, MRN or date of birth first",
                ),
            },
            Action::Move(step) => {
                let n = self.results.len();
                if n > 0 {
                    let cur = self.table.selected().unwrap_or(0);
                    let onward = matches!(step, Step::Down | Step::PageDown | Step::Bottom);
                    if onward && cur + 1 == n && self.page_on(n, cx) {
                        return true;
                    }
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
            Ok(Reply::Found(found, total)) => {
                let same = self.status == SearchStatus::Done
                    && !found.is_empty()
                    && total == self.total
                    && found.len() == self.results.len()
                    && found
                        .iter()
                        .zip(&self.results)
                        .all(|(a, b)| a.row.mrn == b.row.mrn);
                self.status = SearchStatus::Done;
                self.shown_query = self.query.text().trim().to_string();
                let select = self.select_after.take();
                if same && select.is_none() {
                    // The same patients: nothing on screen changes.
                    return;
                }
                self.results = found;
                self.total = total;
                let n = self.results.len();
                match select {
                    Some(i) if n > 0 => self.table.select(Some(i.min(n - 1))),
                    _ => {
                        self.table.select((n > 0).then_some(0));
                        *self.table.offset_mut() = 0;
                    }
                }
            }
            Ok(Reply::BurstEnded) => return,
            Err(e) => self.status = SearchStatus::Failed(e),
        }
        cx.redraw();
    }

    fn leave(&mut self, cx: &mut Cx) {
        self.end_burst(cx);
    }

    fn render(&mut self, app: &App, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
        view::render(self, app, area, buf)
    }

    fn hints(&self, _mode: Mode) -> &'static [Action] {
        use Action::*;
        &[
            Move(Step::Down),
            Open,
            NextPane,
            Go(PaneId::Audit),
            Palette,
            Help,
            QuitNow,
        ]
    }

    fn lock(&mut self) {
        *self = new();
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
