//! Draws a whole frame from the state. No I/O here; the only mutation is the scroll offset
//! that stateful widgets keep (and the page size remembered for PgUp/PgDn).

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs, Widget, Wrap};

use super::action::{Action, Pane};
use super::keymap::Mode;
use super::panes;
use super::state::{Overlay, State};
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
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(state, area, buf);
        return None;
    }
    if let Some(l) = &state.lock {
        // Locked: nothing of the panes is drawn, only the lock box and the status bar.
        let [body, bar] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
        buf.set_style(area, state.theme.style(Role::Base));
        let cursor = widgets::lock::render(state, l, body, buf);
        status::render(state, bar, buf);
        return cursor.map(|(x, y)| Position { x, y });
    }
    let footer = if area.height >= FOOTER_ROWS { 1 } else { 0 };
    let [tabs, body, foot, bar] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(footer),
        Constraint::Length(1),
    ])
    .areas(area);
    buf.set_style(area, state.theme.style(Role::Base));
    tab_bar(state, tabs, buf);
    let mut cursor = match state.pane {
        Pane::Patients => panes::patients::render(state, body, buf),
        Pane::Chart => {
            panes::chart::render(state, body, buf);
            None
        }
        Pane::Audit => {
            panes::audit::render(state, body, buf);
            None
        }
        p => {
            panes::placeholder(p, &state.theme, body, buf);
            None
        }
    };
    if footer > 0 {
        let line = widgets::hints(
            &state.keymap,
            state.mode(),
            hint_actions(state),
            &state.theme,
        );
        Paragraph::new(line).render(foot, buf);
    }
    status::render(state, bar, buf);
    match &state.overlay {
        Overlay::None => {}
        Overlay::Help { scroll, under } => {
            help::render(&state.keymap, *under, *scroll, &state.theme, body, buf);
            cursor = None;
        }
        Overlay::Palette(p) => cursor = widgets::palette::render(p, &state.theme, body, buf),
        Overlay::Glass(g) => cursor = widgets::glass::render(g, &state.theme, body, buf),
    }
    cursor.map(|(x, y)| Position { x, y })
}

fn hint_actions(state: &State) -> &'static [Action] {
    use Action::*;
    match state.mode() {
        Mode::Search => &[Down, Open, LeaveField, ClearSearch, Help, Quit],
        Mode::Document => &[Down, PageDown, Top, Back, Help],
        Mode::Help => &[Down, Back],
        Mode::Palette => &[Down, Confirm, Back],
        Mode::Glass | Mode::Lock => &[Quit],
        _ if state.pane == Pane::Chart => &[Down, Open, ScrollDown, Back, Palette, Help, Quit],
        _ if state.pane == Pane::Patients => {
            &[FocusSearch, Down, Open, NextPane, Palette, Help, Quit]
        }
        _ => &[NextPane, PanePatients, Palette, Help, Quit],
    }
}

fn tab_bar(state: &State, area: Rect, buf: &mut Buffer) {
    let t = &state.theme;
    let titles: Vec<Line> = Pane::ALL
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
    let msg = format!(
        "terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{})",
        area.width, area.height
    );
    Paragraph::new(Line::from(Span::styled(
        msg,
        state.theme.style(Role::Warning),
    )))
    .wrap(Wrap { trim: true })
    .render(area, buf);
}
