//! The Chart pane (read-only): header with flags, demographics, encounters with their codes,
//! the documents list, and the document reader. A restricted record asks for a reason first
//! (the warning is an overlay; its answer comes back as a `Cmd` with the reason).

mod store;
mod view;

use crate::domain::Text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::ListState;

use super::{Ask, Cmd, Cx, Pane, PaneId, PaneReply, Probe, own};
use crate::domain::{Chart as ChartData, Document};
use crate::tui::action::{Action, Step};
use crate::tui::keymap::Mode;
use crate::tui::overlay::GlassTarget;
use crate::tui::state::App;

pub use store::{Reply, Req};

#[derive(Debug, Default)]
pub struct DocView {
    pub doc_id: i64,
    pub loading: bool,
    pub doc: Option<Document>,
    pub error: Option<Text>,
    pub scroll: usize,
    /// Lines of the text, made safe for the terminal (filled when the document arrives).
    pub lines: Vec<String>,
    pub latest: u64,
}

#[derive(Default)]
pub struct Chart {
    loading: Option<String>,
    chart: Option<ChartData>,
    error: Option<Text>,
    docs: ListState,
    scroll: u16,
    latest: u64,
    doc: Option<DocView>,
    /// Rows of the documents list last drawn (for page moves).
    page: u16,
    /// Where the user was when the screen locked: the MRN and the document open.
    resume: Option<(String, Option<i64>)>,
    /// After an unlock: the document to open again once the chart is back.
    resume_doc: Option<i64>,
}

pub fn new() -> Chart {
    Chart {
        page: 10,
        ..Default::default()
    }
}

impl Chart {
    fn open_record(&mut self, mrn: String, reason: Option<String>, cx: &mut Cx) {
        self.latest = cx.request(Req::Chart {
            mrn: mrn.clone(),
            reason,
        });
        self.loading = Some(mrn);
        self.error = None;
        self.doc = None;
        cx.show(PaneId::Chart);
        cx.redraw();
    }

    fn open_document(&mut self, doc_id: i64, reason: Option<String>, cx: &mut Cx) {
        let latest = cx.request(Req::Document { doc_id, reason });
        self.doc = Some(DocView {
            doc_id,
            loading: true,
            latest,
            ..Default::default()
        });
        cx.redraw();
    }

    /// Opens the document remembered at lock time once its chart is back.
    fn reopen_document(&mut self, cx: &mut Cx) {
        let Some(doc_id) = self.resume_doc.take() else {
            return;
        };
        let Some(i) = self
            .chart
            .as_ref()
            .and_then(|c| c.documents.iter().position(|d| d.id == doc_id))
        else {
            return;
        };
        self.docs.select(Some(i));
        self.open_document(doc_id, None, cx);
    }

    fn documents(&self) -> usize {
        self.chart.as_ref().map(|c| c.documents.len()).unwrap_or(0)
    }

    fn move_by(&mut self, step: Step) {
        let page = self.page as usize;
        if let Some(dv) = &mut self.doc {
            dv.scroll = step.apply(dv.scroll, dv.lines.len(), page);
            return;
        }
        let n = self.documents();
        if n > 0 {
            let cur = self.docs.selected().unwrap_or(0);
            self.docs.select(Some(step.apply(cur, n, page)));
        }
    }
}

impl Pane for Chart {
    fn id(&self) -> PaneId {
        PaneId::Chart
    }

    fn mode(&self) -> Mode {
        if self.doc.is_some() {
            Mode::Document
        } else {
            Mode::Normal
        }
    }

    fn act(&mut self, a: Action, cx: &mut Cx) -> bool {
        match a {
            Action::Open if self.doc.is_none() => {
                let doc = self
                    .chart
                    .as_ref()
                    .and_then(|c| self.docs.selected().and_then(|i| c.documents.get(i)))
                    .map(|d| d.id);
                if let Some(doc_id) = doc {
                    self.open_document(doc_id, None, cx);
                }
            }
            Action::Back if self.doc.is_some() => self.doc = None,
            Action::Back => cx.show(PaneId::Patients),
            Action::Move(step) => self.move_by(step),
            Action::ScrollDown => self.scroll = self.scroll.saturating_add(3),
            Action::ScrollUp => self.scroll = self.scroll.saturating_sub(3),
            _ => return false,
        }
        true
    }

    fn command(&mut self, c: Cmd, cx: &mut Cx) {
        match c {
            Cmd::OpenRecord { mrn, reason } => self.open_record(mrn, reason, cx),
            Cmd::OpenItem { id, reason } => self.open_document(id, reason, cx),
            Cmd::Palette(_) | Cmd::Yes { .. } => {}
        }
    }

    fn reply(&mut self, id: u64, reply: Result<PaneReply, Text>, cx: &mut Cx) {
        let for_doc = self.doc.as_ref().is_some_and(|d| d.latest == id);
        if id != self.latest && !for_doc {
            return;
        }
        let Some(reply) = own::<Reply>(reply) else {
            return;
        };
        match reply {
            Ok(Reply::Chart(chart)) if id == self.latest => {
                self.loading = None;
                self.error = None;
                self.scroll = 0;
                self.docs.select(if chart.documents.is_empty() {
                    None
                } else {
                    Some(0)
                });
                self.chart = Some(*chart);
                self.reopen_document(cx);
            }
            Ok(Reply::Restricted { kinds }) if id == self.latest => {
                let mrn = self.loading.take().unwrap_or_default();
                cx.ask(Ask::Glass {
                    target: GlassTarget::Chart(mrn),
                    kinds,
                });
            }
            Ok(Reply::Restricted { kinds }) => {
                if let Some(dv) = self.doc.take() {
                    cx.ask(Ask::Glass {
                        target: GlassTarget::Document(dv.doc_id),
                        kinds,
                    });
                }
            }
            Ok(Reply::Document(doc)) if for_doc => {
                if let Some(dv) = self.doc.as_mut() {
                    dv.loading = false;
                    dv.lines = doc_lines(doc.text.as_ref());
                    dv.doc = Some(*doc);
                }
            }
            Err(e) if id == self.latest => {
                self.loading = None;
                self.error = Some(e);
            }
            Err(e) => {
                if let Some(dv) = self.doc.as_mut() {
                    dv.loading = false;
                    dv.error = Some(e);
                }
            }
            Ok(_) => return,
        }
        cx.redraw();
    }

    fn render(&mut self, app: &App, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
        view::render(self, app, area, buf);
        None
    }

    fn hints(&self, mode: Mode) -> &'static [Action] {
        use Action::*;
        if mode == Mode::Document {
            &[
                Move(Step::Down),
                Move(Step::PageDown),
                Move(Step::Top),
                Back,
                Help,
            ]
        } else {
            &[
                Move(Step::Down),
                Open,
                ScrollDown,
                Back,
                Palette,
                Help,
                Quit,
            ]
        }
    }

    fn lock(&mut self) {
        let mrn = self.record();
        let doc = self.doc.as_ref().map(|d| d.doc_id);
        *self = new();
        self.resume = mrn.map(|m| (m, doc));
    }

    fn unlock(&mut self, cx: &mut Cx) {
        if let Some((mrn, doc)) = self.resume.take() {
            self.resume_doc = doc;
            self.latest = cx.request(Req::Chart {
                mrn: mrn.clone(),
                reason: None,
            });
            self.loading = Some(mrn);
        }
    }

    fn record(&self) -> Option<String> {
        self.chart
            .as_ref()
            .map(|c| c.patient.mrn.as_str().to_string())
            .or_else(|| self.loading.clone())
    }

    fn probe(&self) -> Probe {
        let docs = self.chart.as_ref().map(|c| &c.documents);
        let sel = self.docs.selected();
        Probe {
            rows: self.documents(),
            selected: sel,
            selected_key: docs
                .and_then(|d| sel.and_then(|i| d.get(i)))
                .map(|d| d.id.to_string()),
            subject: self
                .chart
                .as_ref()
                .map(|c| c.patient.mrn.as_str().to_string()),
            item: self
                .doc
                .as_ref()
                .filter(|d| d.doc.is_some())
                .map(|d| d.doc_id.to_string()),
            busy: self.loading.is_some() || self.doc.as_ref().is_some_and(|d| d.loading),
            error: self
                .error
                .clone()
                .or_else(|| self.doc.as_ref().and_then(|d| d.error.clone())),
            ..Probe::default()
        }
    }
}

/// Splits document text into lines safe to draw (tabs expanded, controls made visible).
pub fn doc_lines(text: Option<&crate::domain::Text>) -> Vec<String> {
    match text {
        None => vec!["(this document has no text on file; it may be a scanned image)".into()],
        Some(t) => t.lines(),
    }
}
