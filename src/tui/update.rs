//! `update`: one message in, the state changed and a list of effects out. No I/O here.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, Pane};
use super::keymap::{Key, Mode};
use super::lock;
use super::palette::{self, Command, PaletteState};
use super::panes;
use super::state::{
    DocView, Effect, Glass, GlassTarget, Level, MAX_QUERY, Msg, Overlay, Reply, Req, SearchStatus,
    State,
};
use super::theme::Theme;

/// How many results a search asks for.
pub const SEARCH_LIMIT: usize = 50;

/// Applies one message. Sets `state.dirty` when the screen must be drawn again.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    if lock::is_input(&msg) {
        state.last_input = std::time::Instant::now();
    }
    match msg {
        Msg::Key(ev) => on_key(state, ev, &mut fx),
        Msg::Paste(text) => on_paste(state, &text, &mut fx),
        Msg::Resize(..) => state.dirty = true,
        Msg::Ready(Ok(session)) => {
            state.session = Some(session);
            state.dirty = true;
        }
        Msg::Ready(Err(e)) => {
            state.store_error = Some(e.clone());
            state.say(Level::Error, e);
        }
        Msg::LoggedIn(info) => lock::on_logged_in(state, info, &mut fx),
        Msg::Tick(now) => lock::on_tick(state, now, &mut fx),
        Msg::Db(id, reply) => on_reply(state, id, reply, &mut fx),
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
    if mode == Mode::Lock {
        return lock::key(state, &key, &ev, fx);
    }
    if mode == Mode::Glass {
        return glass_key(state, &key, &ev, fx);
    }
    if let Some(a) = state.keymap.lookup(mode, &key) {
        act(state, a, fx);
        return;
    }
    if mode.is_text() {
        edit(state, mode, &ev, fx);
    }
}

/// The restricted-record warning: `y` continues (anything else is No, the default), then a
/// reason is typed and Enter sends it; Esc cancels. Keys that work everywhere still work.
fn glass_key(state: &mut State, key: &Key, ev: &KeyEvent, fx: &mut Vec<Effect>) {
    if let Some(a) = state
        .keymap
        .lookup(Mode::Global, key)
        .filter(|_| !key.is_printable())
    {
        state.overlay = Overlay::None;
        return act(state, a, fx);
    }
    state.dirty = true;
    let Overlay::Glass(g) = &mut state.overlay else {
        return;
    };
    let plain = !ev
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    if !g.confirmed {
        match ev.code {
            KeyCode::Char('y' | 'Y') if plain => g.confirmed = true,
            _ => {
                state.overlay = Overlay::None;
                state.say(
                    Level::Info,
                    "not opened: the restricted record stays closed",
                );
            }
        }
        return;
    }
    match ev.code {
        KeyCode::Esc => {
            state.overlay = Overlay::None;
            state.say(
                Level::Info,
                "not opened: the restricted record stays closed",
            );
        }
        KeyCode::Enter if g.reason.trim().is_empty() => {
            state.say(
                Level::Warning,
                "type why you need this record, then Enter (Esc cancels)",
            );
        }
        KeyCode::Enter => {
            let reason = Some(g.reason.trim().to_string());
            let target = g.target.clone();
            state.overlay = Overlay::None;
            let id = state.next_id();
            match target {
                GlassTarget::Chart(mrn) => {
                    state.chart.latest = id;
                    state.chart.loading = Some(mrn.clone());
                    state.pane = Pane::Chart;
                    fx.push(Effect::Request(Req::Chart { id, mrn, reason }));
                }
                GlassTarget::Document(doc_id) => {
                    state.chart.doc = Some(DocView {
                        doc_id,
                        loading: true,
                        latest: id,
                        ..Default::default()
                    });
                    fx.push(Effect::Request(Req::Document { id, doc_id, reason }));
                }
            }
        }
        KeyCode::Backspace => {
            g.reason.pop();
        }
        KeyCode::Char(c) if plain && g.reason.chars().count() < 200 => g.reason.push(c),
        _ => {}
    }
}

/// Text editing in the focused field (search box or palette).
fn edit(state: &mut State, mode: Mode, ev: &KeyEvent, fx: &mut Vec<Effect>) {
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    let alt = ev.modifiers.contains(KeyModifiers::ALT);
    if mode == Mode::Palette {
        let Overlay::Palette(p) = &mut state.overlay else {
            return;
        };
        match ev.code {
            KeyCode::Char(c) if !ctrl && !alt => p.input.push(c),
            KeyCode::Backspace => {
                p.input.pop();
            }
            _ => return,
        }
        p.selected = 0;
        state.dirty = true;
        return;
    }
    let ps = &mut state.patients;
    let len = ps.query.chars().count();
    let before = ps.query.clone();
    match ev.code {
        KeyCode::Char(c) if !ctrl && !alt => {
            if len >= MAX_QUERY {
                state.say(
                    Level::Warning,
                    format!("the search box holds at most {MAX_QUERY} characters"),
                );
                return;
            }
            insert(&mut ps.query, ps.cursor, &c.to_string());
            ps.cursor += 1;
        }
        KeyCode::Char('w') if ctrl => {
            let chars: Vec<char> = ps.query.chars().collect();
            let mut i = ps.cursor.min(chars.len());
            while i > 0 && chars[i - 1] == ' ' {
                i -= 1;
            }
            while i > 0 && chars[i - 1] != ' ' {
                i -= 1;
            }
            ps.query = chars[..i]
                .iter()
                .chain(&chars[ps.cursor.min(chars.len())..])
                .collect();
            ps.cursor = i;
        }
        KeyCode::Backspace if ps.cursor > 0 => {
            remove(&mut ps.query, ps.cursor - 1);
            ps.cursor -= 1;
        }
        KeyCode::Delete if ps.cursor < len => remove(&mut ps.query, ps.cursor),
        KeyCode::Left => ps.cursor = ps.cursor.saturating_sub(1),
        KeyCode::Right => ps.cursor = (ps.cursor + 1).min(len),
        KeyCode::Home => ps.cursor = 0,
        KeyCode::End => ps.cursor = len,
        _ => return,
    }
    state.dirty = true;
    if state.patients.query != before {
        search(state, fx);
    }
}

fn insert(s: &mut String, at_char: usize, text: &str) {
    let at = s
        .char_indices()
        .nth(at_char)
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    s.insert_str(at, text);
}

fn remove(s: &mut String, at_char: usize) {
    if let Some((i, _)) = s.char_indices().nth(at_char) {
        s.remove(i);
    }
}

fn on_paste(state: &mut State, text: &str, fx: &mut Vec<Effect>) {
    // Line breaks and controls become spaces; a scanned barcode or a pasted name types in.
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match state.mode() {
        Mode::Lock => lock::paste(state, text),
        Mode::Search => {
            let ps = &mut state.patients;
            let room = MAX_QUERY.saturating_sub(ps.query.chars().count());
            let take: String = clean.chars().take(room).collect();
            let n = take.chars().count();
            insert(&mut ps.query, ps.cursor, &take);
            ps.cursor += n;
            if n < clean.chars().count() {
                state.say(
                    Level::Warning,
                    format!("pasted text was cut to fit the search box ({MAX_QUERY} characters)"),
                );
            }
            state.dirty = true;
            search(state, fx);
        }
        Mode::Palette => {
            if let Overlay::Palette(p) = &mut state.overlay {
                p.input.extend(clean.chars().take(100));
                p.selected = 0;
                state.dirty = true;
            }
        }
        Mode::Glass => {
            if let Overlay::Glass(g) = &mut state.overlay
                && g.confirmed
            {
                let room = 200usize.saturating_sub(g.reason.chars().count());
                g.reason.extend(clean.chars().take(room));
                state.dirty = true;
            }
        }
        _ => state.say(
            Level::Info,
            "paste goes into a text field: press / to type in the search box",
        ),
    }
}

/// Starts a search for the current text (the newest one wins).
fn search(state: &mut State, fx: &mut Vec<Effect>) {
    let q = state.patients.query.trim().to_string();
    let id = state.next_id();
    state.patients.latest = id;
    if q.is_empty() {
        state.patients.results.clear();
        state.patients.table.select(None);
        state.patients.status = SearchStatus::Idle;
        state.patients.shown_query.clear();
    } else {
        state.patients.status = SearchStatus::Searching;
        fx.push(Effect::Request(Req::Search { id, query: q }));
    }
    state.dirty = true;
}

fn on_reply(state: &mut State, id: u64, reply: Result<Reply, String>, fx: &mut Vec<Effect>) {
    if lock::on_reply(state, id, &reply, fx) || panes::audit::on_reply(state, id, &reply) {
        return;
    }
    match reply {
        Ok(Reply::Found(found)) if id == state.patients.latest => {
            let ps = &mut state.patients;
            ps.results = found;
            ps.shown_query = ps.query.trim().to_string();
            ps.table
                .select(if ps.results.is_empty() { None } else { Some(0) });
            *ps.table.offset_mut() = 0;
            ps.status = SearchStatus::Done;
        }
        Ok(Reply::Chart(chart)) if id == state.chart.latest => {
            let c = &mut state.chart;
            c.loading = None;
            c.error = None;
            c.scroll = 0;
            c.docs.select(if chart.documents.is_empty() {
                None
            } else {
                Some(0)
            });
            c.chart = Some(*chart);
            lock::reopen_document(state, fx);
        }
        Ok(Reply::Restricted { kinds }) if id == state.chart.latest => {
            let mrn = state.chart.loading.take().unwrap_or_default();
            state.overlay = Overlay::Glass(Glass {
                target: GlassTarget::Chart(mrn),
                kinds,
                confirmed: false,
                reason: String::new(),
            });
        }
        Ok(Reply::Restricted { kinds }) => {
            let Some(dv) = state.chart.doc.take_if(|d| d.latest == id) else {
                return;
            };
            state.overlay = Overlay::Glass(Glass {
                target: GlassTarget::Document(dv.doc_id),
                kinds,
                confirmed: false,
                reason: String::new(),
            });
        }
        Ok(Reply::Document(doc)) => {
            let Some(dv) = state.chart.doc.as_mut().filter(|d| d.latest == id) else {
                return;
            };
            dv.loading = false;
            dv.lines = doc_lines(doc.text.as_ref());
            dv.doc = Some(*doc);
        }
        Err(e) if id == state.patients.latest => state.patients.status = SearchStatus::Failed(e),
        Err(e) if id == state.chart.latest => {
            state.chart.loading = None;
            state.chart.error = Some(e);
        }
        Err(e) => match state.chart.doc.as_mut().filter(|d| d.latest == id) {
            Some(dv) => {
                dv.loading = false;
                dv.error = Some(e);
            }
            None => return,
        },
        // A reply to a request that has been overtaken: dropped.
        _ => return,
    }
    state.dirty = true;
}

/// Splits document text into lines safe to draw (tabs expanded, controls made visible).
pub fn doc_lines(text: Option<&crate::domain::Text>) -> Vec<String> {
    match text {
        None => vec!["(this document has no text on file; it may be a scanned image)".into()],
        Some(t) => t.lines(),
    }
}

/// Does what an action asks, in the current context.
pub fn act(state: &mut State, a: Action, fx: &mut Vec<Effect>) {
    let before = state.pane;
    act_here(state, a, fx);
    if state.pane == Pane::Audit && before != Pane::Audit {
        panes::audit::enter(state, fx);
    }
}

fn act_here(state: &mut State, a: Action, fx: &mut Vec<Effect>) {
    state.dirty = true;
    let mode = state.mode();
    if let Some(p) = Pane::for_action(a) {
        state.overlay = Overlay::None;
        state.pane = p;
        return;
    }
    match a {
        Action::Quit => fx.push(Effect::Quit),
        Action::Suspend => fx.push(Effect::Suspend),
        Action::Redraw => fx.push(Effect::Redraw),
        Action::Lock => lock::lock(state, fx),
        Action::Help => {
            state.overlay = match state.overlay {
                Overlay::Help { .. } => Overlay::None,
                _ => Overlay::Help {
                    scroll: 0,
                    under: mode,
                },
            }
        }
        Action::Palette => state.overlay = Overlay::Palette(PaletteState::default()),
        Action::NextPane | Action::PrevPane => {
            let step = if a == Action::NextPane {
                1
            } else {
                Pane::ALL.len() - 1
            };
            state.pane = Pane::from_index(state.pane.index() + step);
        }
        Action::FocusSearch => {
            state.pane = Pane::Patients;
            state.patients.editing = true;
        }
        Action::LeaveField => state.patients.editing = false,
        Action::ClearSearch => {
            state.patients.query.clear();
            state.patients.cursor = 0;
            search(state, fx);
        }
        Action::Open => open(state, fx),
        Action::Back => back(state, mode),
        Action::Confirm => confirm(state, fx),
        Action::Down | Action::Up | Action::HalfPageDown | Action::HalfPageUp => {
            move_by(state, mode, a)
        }
        Action::PageDown | Action::PageUp | Action::Top | Action::Bottom => move_by(state, mode, a),
        Action::ScrollDown => state.chart.scroll = state.chart.scroll.saturating_add(3),
        Action::ScrollUp => state.chart.scroll = state.chart.scroll.saturating_sub(3),
        Action::ReviewAlert => super::audit_view::review_selected(state, fx),
        Action::PanePatients
        | Action::PaneChart
        | Action::PaneCoding
        | Action::PaneRequests
        | Action::PaneReports
        | Action::PaneAudit => {}
    }
}

fn open(state: &mut State, fx: &mut Vec<Effect>) {
    match state.pane {
        Pane::Patients => match state.selected_patient().map(|f| f.row.mrn.to_string()) {
            Some(mrn) => open_chart(state, mrn, fx),
            None => state.say(
                Level::Info,
                "no patient selected: type a name, MRN or date of birth first",
            ),
        },
        Pane::Audit => panes::audit::refresh(state, fx),
        Pane::Chart if state.chart.doc.is_none() => {
            let doc = state
                .chart
                .chart
                .as_ref()
                .and_then(|c| state.chart.docs.selected().and_then(|i| c.documents.get(i)))
                .map(|d| d.id);
            if let Some(doc_id) = doc {
                state.request_document(doc_id, fx);
            }
        }
        _ => {}
    }
}

/// Asks for a chart and shows the Chart pane while it comes.
pub fn open_chart(state: &mut State, mrn: String, fx: &mut Vec<Effect>) {
    let id = state.next_id();
    state.chart.latest = id;
    state.chart.loading = Some(mrn.clone());
    state.chart.error = None;
    state.chart.doc = None;
    state.pane = Pane::Chart;
    state.overlay = Overlay::None;
    fx.push(Effect::Request(Req::Chart {
        id,
        mrn,
        reason: None,
    }));
}

fn back(state: &mut State, mode: Mode) {
    match mode {
        Mode::Help | Mode::Palette => state.overlay = Overlay::None,
        Mode::Document => state.chart.doc = None,
        _ if state.pane == Pane::Chart => state.pane = Pane::Patients,
        _ => state.dirty = false,
    }
}

fn confirm(state: &mut State, fx: &mut Vec<Effect>) {
    let Overlay::Palette(p) = &state.overlay else {
        return;
    };
    let items = palette::matches(&p.input);
    let Some(item) = items
        .get(p.selected.min(items.len().saturating_sub(1)))
        .cloned()
    else {
        let typed = crate::text::sanitize(p.input.trim()).into_owned();
        state.say(
            Level::Warning,
            format!("no command matches \"{typed}\" (try quit, theme light, open MRN)"),
        );
        return;
    };
    state.overlay = Overlay::None;
    match item.command {
        Command::Run(a) => act(state, a, fx),
        Command::Open(mrn) => open_chart(state, mrn, fx),
        c @ (Command::Audit(_) | Command::AuditUser(_) | Command::Alerts) => {
            super::audit_view::run(state, c, fx)
        }
        Command::Theme(name) => {
            let (theme, problems) = Theme::load(&name, &state.config_dir, state.no_color);
            match problems.into_iter().next() {
                Some(p) => state.say(Level::Warning, p),
                None => state.say(Level::Info, format!("theme: {}", theme.name)),
            }
            state.theme = theme;
        }
    }
}

fn move_by(state: &mut State, mode: Mode, a: Action) {
    let page = state.page.max(1) as isize;
    let delta: isize = match a {
        Action::Down => 1,
        Action::Up => -1,
        Action::HalfPageDown => (page / 2).max(1),
        Action::HalfPageUp => -(page / 2).max(1),
        Action::PageDown => page,
        Action::PageUp => -page,
        Action::Top => isize::MIN / 2,
        _ => isize::MAX / 2,
    };
    let step = |cur: usize, len: usize| -> usize {
        if len == 0 {
            return 0;
        }
        (cur as isize)
            .saturating_add(delta)
            .clamp(0, len as isize - 1) as usize
    };
    match mode {
        Mode::Help => {
            if let Overlay::Help { scroll, .. } = &mut state.overlay {
                *scroll = step(*scroll as usize, 200) as u16;
            }
        }
        Mode::Palette => {
            if let Overlay::Palette(p) = &mut state.overlay {
                let n = palette::matches(&p.input).len();
                p.selected = step(p.selected, n);
            }
        }
        Mode::Document => {
            if let Some(dv) = &mut state.chart.doc {
                dv.scroll = step(dv.scroll, dv.lines.len());
            }
        }
        _ => match state.pane {
            Pane::Patients => {
                let n = state.patients.results.len();
                if n > 0 {
                    let cur = state.patients.table.selected().unwrap_or(0);
                    state.patients.table.select(Some(step(cur, n)));
                }
            }
            Pane::Chart => {
                let n = state
                    .chart
                    .chart
                    .as_ref()
                    .map(|c| c.documents.len())
                    .unwrap_or(0);
                if n > 0 {
                    let cur = state.chart.docs.selected().unwrap_or(0);
                    state.chart.docs.select(Some(step(cur, n)));
                }
            }
            Pane::Audit => state.audit.scroll = step(state.audit.scroll, panes::audit::len(state)),
            _ => {}
        },
    }
}
