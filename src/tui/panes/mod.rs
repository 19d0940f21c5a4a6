//! The panes: one folder each, one line each in the registry below. A pane is a unit: its
//! own state, the keys of its section (`[chart]` in keymap.toml), the actions it takes, its
//! own requests to the store and their replies (`store.rs` in its folder: the one place the
//! pane's work calls the service, run on the store worker), its drawing and hints, what it
//! forgets when the screen locks and where it picks up again. Everything a pane does to the
//! rest of the app goes through its [`Cx`]: requests (routed back to it by id), the status
//! line, and asks (show a pane, send another pane a [`Cmd`], the restricted-record warning).

use crate::domain::Text;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

use super::action::Action;
use super::keymap::Mode;
use super::overlay::GlassTarget;
use super::palette::Command;
use super::state::{App, Effect, Job, Level, Owner, Req};
use super::theme::Role;
use super::widgets::form::Form;
use crate::domain::Permission;
use crate::service::{Conn, ServiceError};

/// Declares the panes in tab order: `Id => folder, "Title";`. Adding a pane is one line
/// here plus its folder, which has `pub fn new() -> impl Pane` and, in `store.rs`, its
/// requests (`Req`, plain data) and their replies (`Reply`).
macro_rules! registry {
    ($($id:ident => $module:ident, $title:literal;)*) => {
        $(pub mod $module;)*

        /// The panes, in tab order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum PaneId { $($id,)* }

        impl PaneId {
            pub const ALL: &'static [PaneId] = &[$(PaneId::$id,)*];

            pub fn title(self) -> &'static str {
                match self { $(PaneId::$id => $title,)* }
            }

            /// Its keymap section and its action's name (`pane_<name>`).
            pub fn name(self) -> &'static str {
                match self { $(PaneId::$id => stringify!($module),)* }
            }
        }

        /// A pane's own request to the store (plain data: it could go over a wire).
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum PaneReq { $($id($module::Req),)* }

        /// The reply to a pane's own request.
        #[derive(Debug)]
        pub enum PaneReply { $($id($module::Reply),)* }

        impl PaneReq {
            /// Runs it against the service (on the store worker), in the pane's `store.rs`.
            pub fn serve(&self, svc: &mut Conn) -> Result<PaneReply, ServiceError> {
                match self { $(PaneReq::$id(r) => r.serve(svc).map(PaneReply::$id),)* }
            }

            /// See [`StoreReq::coalesce_key`].
            pub fn coalesce_key(&self) -> Option<&'static str> {
                match self { $(PaneReq::$id(r) => r.coalesce_key(),)* }
            }
        }

        $(
            impl From<$module::Req> for PaneReq {
                fn from(r: $module::Req) -> Self {
                    PaneReq::$id(r)
                }
            }

            impl From<$module::Reply> for PaneReply {
                fn from(r: $module::Reply) -> Self {
                    PaneReply::$id(r)
                }
            }

            impl From<$module::Reply> for super::state::Reply {
                fn from(r: $module::Reply) -> Self {
                    super::state::Reply::Pane(PaneReply::$id(r))
                }
            }

            impl TryFrom<PaneReply> for $module::Reply {
                type Error = ();
                fn try_from(r: PaneReply) -> Result<Self, ()> {
                    #[allow(irrefutable_let_patterns, unreachable_patterns)]
                    match r {
                        PaneReply::$id(r) => Ok(r),
                        _ => Err(()),
                    }
                }
            }
        )*

        fn build() -> Vec<Slot> {
            vec![$(Slot::new(Box::new($module::new())),)*]
        }
    };
}

/// What a pane's request type does on the store worker.
pub trait StoreReq {
    type Reply;

    /// The one place the pane's requests call the service.
    fn serve(&self, svc: &mut Conn) -> Result<Self::Reply, ServiceError>;

    /// Requests with the same key from the same pane overtake each other: only the newest
    /// still waiting runs (the newest keystroke wins).
    fn coalesce_key(&self) -> Option<&'static str> {
        None
    }
}

/// A reply for pane `P`'s own `Reply` type (None: a reply of another pane's, dropped).
pub fn own<R: TryFrom<PaneReply>>(reply: Result<PaneReply, Text>) -> Option<Result<R, Text>> {
    match reply {
        Ok(r) => R::try_from(r).ok().map(Ok),
        Err(e) => Some(Err(e)),
    }
}

registry! {
    Patients => patients, "Patients";
    Chart => chart, "Chart";
    Coding => coding, "Coding";
    Requests => requests, "Requests";
    Reports => reports, "Reports";
    Audit => audit, "Audit";
}

impl PaneId {
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> PaneId {
        PaneId::ALL[i % PaneId::ALL.len()]
    }
}

/// What one pane can tell another (or be told by the palette).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// Open the record with this MRN (a reason when the glass is broken).
    OpenRecord { mrn: String, reason: Option<String> },
    /// Open the item (a document) with this id.
    OpenItem { id: i64, reason: Option<String> },
    /// A palette command the pane owns (`:audit MRN`).
    Palette(Command),
    /// The answer yes to a question the pane asked (`what` it was about, for item `id`),
    /// with the reason typed when one was asked for.
    Yes {
        what: &'static str,
        id: i64,
        reason: Option<String>,
    },
}

/// What a pane asks of the app after an action or a reply.
#[derive(Debug)]
pub enum Ask {
    Show(PaneId),
    Send(PaneId, Cmd),
    /// The restricted-record warning; its answer comes back as a `Cmd` to the pane.
    Glass {
        target: GlassTarget,
        kinds: String,
    },
    /// Open a form over the pane.
    Form(Form),
    /// Start a long job on the job lane (its gauge shows above the status bar).
    Job(Job),
    /// Ask the user first ("… [y/N]"); yes comes back to the pane as its command.
    Question(super::question::Question),
}

/// A pane's handle on the app while it acts.
pub struct Cx<'a> {
    pub app: &'a mut App,
    me: PaneId,
    record: Option<String>,
    fx: &'a mut Vec<Effect>,
    asks: &'a mut Vec<Ask>,
}

impl<'a> Cx<'a> {
    pub fn new(
        app: &'a mut App,
        me: PaneId,
        record: Option<String>,
        fx: &'a mut Vec<Effect>,
        asks: &'a mut Vec<Ask>,
    ) -> Cx<'a> {
        Cx {
            app,
            me,
            record,
            fx,
            asks,
        }
    }

    /// Sends one of the pane's requests to the store; its reply comes back to this pane.
    /// Returns its id.
    pub fn request(&mut self, req: impl Into<PaneReq>) -> u64 {
        let id = self.app.next_id(Owner::Pane(self.me));
        self.fx.push(Effect::Request(Req::Pane {
            id,
            req: req.into(),
        }));
        id
    }

    pub fn say(&mut self, level: Level, msg: impl Into<crate::domain::Text>) {
        self.app.say(level, msg);
    }

    /// Whether the signed-in user may do `p` (the service said so).
    pub fn may(&self, p: Permission) -> bool {
        self.app.may(p)
    }

    /// The record (MRN) open in the app, for panes that follow it.
    pub fn record(&self) -> Option<&str> {
        self.record.as_deref()
    }

    pub fn ask(&mut self, a: Ask) {
        self.asks.push(a);
    }

    pub fn show(&mut self, p: PaneId) {
        self.asks.push(Ask::Show(p));
    }

    pub fn send(&mut self, p: PaneId, c: Cmd) {
        self.asks.push(Ask::Send(p, c));
    }

    pub fn redraw(&mut self) {
        self.app.dirty = true;
    }
}

/// What a test or a bench may see of a pane: plain data, stable across refactors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probe {
    /// The pane's text field (the search box).
    pub field: Option<String>,
    pub cursor: Option<usize>,
    /// Rows in its list and the selected one (with its key: an MRN, a document id…).
    pub rows: usize,
    pub selected: Option<usize>,
    pub selected_key: Option<String>,
    /// What it shows: a chart's MRN, an audit report's subject (`patient:…`, `user:…`).
    pub subject: Option<String>,
    /// The item open inside it (a document id).
    pub item: Option<String>,
    /// A request of its own is on its way.
    pub busy: bool,
    pub error: Option<crate::domain::Text>,
}

/// A pane. Only `id`, `act`, `render` and `lock` are required.
pub trait Pane {
    fn id(&self) -> PaneId;

    /// The focus inside the pane: Normal, Search (its text field), Document (a reader).
    fn mode(&self) -> Mode {
        Mode::Normal
    }

    /// Does what an action asks; false when the action means nothing here (the app's
    /// fallback then runs, e.g. `/` goes to the Patients search).
    fn act(&mut self, a: Action, cx: &mut Cx) -> bool;

    /// A key that is no action, while the pane's field has the focus: text.
    fn text(&mut self, _ev: &KeyEvent, _cx: &mut Cx) {}

    /// A paste; false when the pane has no field for it now.
    fn paste(&mut self, _text: &str, _cx: &mut Cx) -> bool {
        false
    }

    /// A command from another pane or the palette.
    fn command(&mut self, _c: Cmd, _cx: &mut Cx) {}

    /// The reply to one of the pane's own requests (stale ones are the pane's to drop; see
    /// [`own`] for its own reply type).
    fn reply(&mut self, _id: u64, _reply: Result<PaneReply, Text>, _cx: &mut Cx) {}

    /// The pane came on screen.
    fn enter(&mut self, _cx: &mut Cx) {}

    /// The pane goes off screen.
    fn leave(&mut self, _cx: &mut Cx) {}

    /// Draws the pane; returns where the text cursor goes. Only the pane's own scroll
    /// positions and page size change here.
    fn render(&mut self, app: &App, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)>;

    /// The footer hints for the pane in `mode`.
    fn hints(&self, _mode: Mode) -> &'static [Action] {
        use Action::*;
        &[NextPane, Go(PaneId::Patients), Palette, Help, Quit]
    }

    /// The screen locks: forget every patient field, keep only where the user was.
    fn lock(&mut self);

    /// The screen is unlocked: ask again for what was open.
    fn unlock(&mut self, _cx: &mut Cx) {}

    /// The patient record (MRN) this pane has open, if it is the one others follow.
    fn record(&self) -> Option<String> {
        None
    }

    /// Saves the form open over the pane (its fields have passed their checks); true
    /// when the pane took it.
    fn save(&mut self, _form: &Form, _cx: &mut Cx) -> bool {
        false
    }

    fn probe(&self) -> Probe {
        Probe::default()
    }
}

/// A pane with, over it, the form it opened (and, while locked, the draft put away).
pub struct Slot {
    pub pane: Box<dyn Pane>,
    pub form: Option<Form>,
    stowed: Option<Form>,
}

impl Slot {
    fn new(pane: Box<dyn Pane>) -> Slot {
        Slot {
            pane,
            form: None,
            stowed: None,
        }
    }
}

/// Every pane, in tab order.
pub struct Registry {
    slots: Vec<Slot>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl Registry {
    pub fn new() -> Registry {
        let slots = build();
        debug_assert!(
            slots
                .iter()
                .enumerate()
                .all(|(i, s)| s.pane.id().index() == i)
        );
        Registry { slots }
    }

    pub fn get(&self, p: PaneId) -> &dyn Pane {
        self.slots[p.index()].pane.as_ref()
    }

    pub fn slot_mut(&mut self, p: PaneId) -> &mut Slot {
        &mut self.slots[p.index()]
    }

    pub fn form(&self, p: PaneId) -> Option<&Form> {
        self.slots[p.index()].form.as_ref()
    }

    /// The record the app follows (the chart open, or on its way).
    pub fn record(&self) -> Option<String> {
        self.slots.iter().find_map(|s| s.pane.record())
    }

    /// The lock: every pane forgets its patient fields; an unsaved form's draft is put
    /// away where nothing draws it, and comes back at the unlock.
    pub fn lock_all(&mut self) {
        for s in &mut self.slots {
            s.pane.lock();
            if let Some(f) = s.form.take() {
                s.stowed = Some(f);
            }
        }
    }

    /// The title of a form with unsaved changes (on screen or put away at the lock).
    pub fn draft(&self) -> Option<String> {
        self.slots.iter().find_map(|s| {
            s.form
                .iter()
                .chain(s.stowed.iter())
                .find(|f| f.is_dirty())
                .map(|f| f.title.clone())
        })
    }

    /// The draft put away at the lock comes back.
    pub fn unstow(&mut self, p: PaneId) {
        let s = &mut self.slots[p.index()];
        if let Some(f) = s.stowed.take() {
            s.form = Some(f);
        }
    }

    /// A draft is put away (for the tests of the lock: it is in memory, not on screen).
    pub fn stowed(&self, p: PaneId) -> Option<&Form> {
        self.slots[p.index()].stowed.as_ref()
    }
}

/// A pane whose work has not come yet: what it will be for, in plain words.
pub fn coming(app: &App, title: &str, lines: &[&str], area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.style(Role::Border))
        .title(Span::styled(format!(" {title} "), t.style(Role::Title)));
    let mut text = vec![
        Line::from(Span::styled(
            format!("{title} is not available in this version of chartroom. When it is, you will:"),
            t.style(Role::Base),
        )),
        Line::from(""),
    ];
    text.extend(
        lines
            .iter()
            .map(|l| Line::from(Span::styled(format!("  • {l}"), t.style(Role::Muted)))),
    );
    Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .block(block)
        .render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_is_in_tab_order() {
        let r = Registry::new();
        for (i, p) in PaneId::ALL.iter().enumerate() {
            assert_eq!(r.get(*p).id(), *p);
            assert_eq!(p.index(), i);
            assert_eq!(PaneId::from_index(i), *p);
        }
    }
}
