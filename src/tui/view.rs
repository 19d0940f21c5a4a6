//! Draws a whole frame from the state: the tab bar, the current pane (and a form over it),
//! the footer hints, the job gauge, the status bar and the overlays. No I/O here; the only
//! mutations are the panes' own scroll positions and page sizes.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Tabs, Widget, Wrap};

use super::action::{Action, PaneId, Step};
use super::jobs;
use super::keymap::{Key, Mode};
use super::overlay::Overlay;
use super::state::State;
use super::theme::Role;
use super::widgets::{self, help, status};

/// Below this the layout breaks: a clear message instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
/// Below this many rows the footer hints are hidden.
const FOOTER_ROWS: u16 = 24;

pub fn draw(frame: &mut Frame, state: &mut State) {
    let area = frame.area();
    if let Some(pos) = render(state, area, frame.buffer_mut()) {
        frame.set_cursor_position(pos);
    }
}

/// Renders into a buffer; returns where the text cursor goes (when a field has focus).
pub fn render(state: &mut State, area: Rect, buf: &mut Buffer) -> Option<Position> {
    if area.width == 0 || area.height == 0 {
        return None;
    }
    let app = &state.app;
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(state, area, buf);
        return None;
    }
    if let Some(l) = &state.lock {
        // Locked: nothing of the panes is drawn, only the lock box and the status bar.
        let [body, bar] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
        buf.set_style(area, app.theme.style(Role::Base));
        let cursor = widgets::lock::render(state, l, body, buf);
        status::render(state, bar, buf);
        return cursor.map(|(x, y)| Position { x, y });
    }
    let footer = if area.height >= FOOTER_ROWS { 1 } else { 0 };
    let gauge = u16::from(state.jobs.running.is_some());
    let [tabs, body, job, foot, bar] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(gauge),
        Constraint::Length(footer),
        Constraint::Length(1),
    ])
    .areas(area);
    buf.set_style(area, state.app.theme.style(Role::Base));
    tab_bar(state, tabs, buf);
    let mut cursor = render_pane(state, state.pane, body, buf);
    if let Some(f) = state.panes.form(state.pane) {
        cursor = f.render(&state.app.theme, body, buf);
    }
    if let Some(r) = &state.jobs.running {
        jobs::render(r, &state.app, job, buf);
    }
    if footer > 0 {
        let mode = state.mode();
        let line = widgets::hints(
            &state.app.keymap,
            mode,
            state.pane,
            hint_actions(state, mode),
            &state.app.theme,
            foot.width,
        );
        Paragraph::new(line).render(foot, buf);
    }
    status::render(state, bar, buf);
    let t = &state.app.theme;
    match &mut state.overlay {
        Overlay::None => {}
        Overlay::Help {
            scroll,
            under,
            pane,
        } => {
            help::render(&state.app.keymap, *under, *pane, scroll, t, body, buf);
            cursor = None;
        }
        Overlay::Question(q) => cursor = super::question::render(q, t, body, buf),
        Overlay::Palette(p) => cursor = widgets::palette::render(p, t, body, buf),
        Overlay::Glass(g) => cursor = widgets::glass::render(g, t, body, buf),
    }
    if let Some(k) = state.chord {
        which_key(state, k, body, buf);
    }
    cursor.map(|(x, y)| Position { x, y })
}

/// Draws one pane into `area`, whichever is on screen (the lock tests draw every pane).
pub fn render_pane(
    state: &mut State,
    p: PaneId,
    area: Rect,
    buf: &mut Buffer,
) -> Option<(u16, u16)> {
    let slot = state.panes.slot_mut(p);
    slot.pane.render(&state.app, area, buf)
}

fn hint_actions(state: &State, mode: Mode) -> &'static [Action] {
    use Action::*;
    match mode {
        Mode::Help => &[Move(Step::Down), Back],
        Mode::Palette => &[Move(Step::Down), Confirm, Back],
        Mode::Form => &[NextField, Save, Back],
        Mode::Glass | Mode::Lock | Mode::Confirm => &[QuitNow],
        m => state.panes.get(state.pane).hints(m),
    }
}

/// The which-key hint: what may follow the first key of a chord (Esc cancels).
fn which_key(state: &State, first: Key, area: Rect, buf: &mut Buffer) {
    let t = &state.app.theme;
    let next = state
        .app
        .keymap
        .continuations(state.mode(), state.pane, first);
    let mut lines: Vec<Line> = next
        .iter()
        .map(|(c, a)| {
            Line::from(vec![
                Span::styled(format!(" {:<6} ", c.to_string()), t.style(Role::Key)),
                Span::styled(a.desc().into_owned(), t.style(Role::Base)),
            ])
        })
        .collect();
    lines.push(Line::from(Span::styled(
        " Esc cancels · other keys work as usual",
        t.style(Role::Muted),
    )));
    let h = (lines.len() as u16 + 2).min(area.height);
    let w = 44.min(area.width);
    let pop = Rect {
        x: area.right().saturating_sub(w),
        y: area.bottom().saturating_sub(h),
        width: w,
        height: h,
    };
    Clear.render(pop, buf);
    Paragraph::new(lines)
        .block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(t.style(Role::BorderFocused))
                .title(Span::styled(format!(" {first} … "), t.style(Role::Title))),
        )
        .render(pop, buf);
}

fn tab_bar(state: &State, area: Rect, buf: &mut Buffer) {
    let t = &state.app.theme;
    let titles: Vec<Line> = PaneId::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| Line::from(format!("{} {}", i + 1, p.title())))
        .collect();
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(11)]).areas(area);
    Tabs::new(titles)
        .select(state.pane.index())
        .style(t.style(Role::Muted))
        .highlight_style(t.style(Role::Selection))
        .divider("│")
        .render(left, buf);
    Paragraph::new(Span::styled("chartroom ", t.style(Role::Title)))
        .right_aligned()
        .render(right, buf);
}

fn too_small(state: &State, area: Rect, buf: &mut Buffer) {
    let t = &state.app.theme;
    let msg = format!(
        "terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{}); keys wait until it is larger (Ctrl-c quits)",
        area.width, area.height
    );
    let mut lines = vec![Line::from(Span::styled(msg, t.style(Role::Warning)))];
    if let Overlay::Question(q) = &state.overlay {
        lines.extend(super::question::lines(q, t));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}
