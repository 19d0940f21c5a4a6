//! What is drawn over the panes: help, the command palette, the restricted-record warning.
//! Their keys are handled here; what they lead to goes back through `update`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, PaneId, Step};
use super::keymap::{Key, Mode};
use super::palette::{self, Command, PaletteState};
use super::panes::Cmd;
use super::question::{Question, Then};
use super::state::{Effect, Level, State};
use super::theme::Theme;
use super::update::{act, send};
use super::widgets::field::Edit;

/// What a break-the-glass reason is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlassTarget {
    Chart(String),
    Document(i64),
}

/// The longest reason the warning takes.
pub const MAX_REASON: usize = 200;

/// The restricted-record warning: "Continue? [y/N]" (default No), then a reason.
#[derive(Debug)]
pub struct Glass {
    pub target: GlassTarget,
    pub kinds: String,
    /// The user answered y: now typing the reason.
    pub confirmed: bool,
    pub reason: super::widgets::field::TextField,
    /// The pane that asked (it gets the answer).
    pub from: PaneId,
}

#[derive(Debug)]
pub enum Overlay {
    None,
    Glass(Glass),
    Help {
        scroll: u16,
        under: Mode,
        pane: PaneId,
    },
    Palette(PaletteState),
    /// "Quit chartroom? [y/N]" and the like (see `question.rs`).
    Question(super::question::Question),
}

impl Overlay {
    /// The mode an overlay puts the keyboard in.
    pub fn mode(&self) -> Option<Mode> {
        match self {
            Overlay::None => None,
            Overlay::Help { .. } => Some(Mode::Help),
            Overlay::Palette(_) => Some(Mode::Palette),
            Overlay::Glass(_) => Some(Mode::Glass),
            Overlay::Question(_) => Some(Mode::Confirm),
        }
    }
}

const NOT_OPENED: &str = "not opened: the restricted record stays closed";

/// The restricted-record warning: `y` continues (anything else is No, the default), then a
/// reason is typed and Enter sends it; Esc cancels. Keys that work everywhere still work.
pub fn glass_key(state: &mut State, key: &Key, ev: &KeyEvent, fx: &mut Vec<Effect>) {
    if let Some(a) = state
        .app
        .keymap
        .lookup(Mode::Global, key)
        .filter(|_| !key.is_printable())
    {
        state.overlay = Overlay::None;
        return act(state, a, fx);
    }
    state.app.dirty = true;
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
                state.say(Level::Info, NOT_OPENED);
            }
        }
        return;
    }
    match ev.code {
        KeyCode::Esc => {
            state.overlay = Overlay::None;
            state.say(Level::Info, NOT_OPENED);
        }
        KeyCode::Enter if g.reason.text().trim().is_empty() => {
            state.say(
                Level::Warning,
                "type why you need this record, then Enter (Esc cancels)",
            );
        }
        KeyCode::Enter => {
            let reason = Some(g.reason.text().trim().to_string());
            let cmd = match &g.target {
                GlassTarget::Chart(mrn) => Cmd::OpenRecord {
                    mrn: mrn.clone(),
                    reason,
                },
                GlassTarget::Document(id) => Cmd::OpenItem { id: *id, reason },
            };
            let from = g.from;
            state.overlay = Overlay::None;
            send(state, from, cmd, fx);
        }
        _ => {
            g.reason.key(ev);
        }
    }
}

/// A paste while the warning asks for its reason.
pub fn glass_paste(state: &mut State, text: &str) {
    if let Overlay::Glass(g) = &mut state.overlay
        && g.confirmed
    {
        g.reason.paste(text);
        state.app.dirty = true;
    }
}

/// Text typed into the palette.
pub fn palette_key(state: &mut State, ev: &KeyEvent) {
    let Overlay::Palette(p) = &mut state.overlay else {
        return;
    };
    match p.input.key(ev) {
        Edit::Changed => p.selected = 0,
        Edit::Moved => {}
        Edit::Full | Edit::Ignored => return,
    }
    state.app.dirty = true;
}

pub fn palette_paste(state: &mut State, text: &str) {
    if let Overlay::Palette(p) = &mut state.overlay {
        p.input.paste(text);
        p.selected = 0;
        state.app.dirty = true;
    }
}

/// Moves in help or the palette; false when no overlay takes it.
pub fn move_in(state: &mut State, step: Step) -> bool {
    match &mut state.overlay {
        Overlay::Help { scroll, .. } => {
            *scroll = step.apply(*scroll as usize, 200, 10) as u16;
            true
        }
        Overlay::Palette(p) => {
            let n = palette::matches(&p.input.text()).len();
            p.selected = step.apply(p.selected, n, 10);
            true
        }
        _ => false,
    }
}

/// Enter in the palette: runs the selected command.
pub fn confirm(state: &mut State, fx: &mut Vec<Effect>) {
    let Overlay::Palette(p) = &state.overlay else {
        return;
    };
    let input = p.input.text();
    let items = palette::matches(&input);
    let Some(item) = items
        .get(p.selected.min(items.len().saturating_sub(1)))
        .cloned()
    else {
        let typed = crate::domain::Text::from(input.trim());
        state.say(
            Level::Warning,
            format!("no command matches \"{typed}\" (try quit, theme light, open MRN)"),
        );
        return;
    };
    state.overlay = Overlay::None;
    match item.command {
        // `quit` typed in full is meant: it asks only if a draft would be lost.
        Command::Run(Action::Quit) => act(state, Action::QuitNow, fx),
        Command::Run(a) => act(state, a, fx),
        Command::Fill(text) => {
            let mut p = PaletteState::default();
            p.input.set(&text);
            state.overlay = Overlay::Palette(p);
        }
        Command::Open(mrn) => send(
            state,
            PaneId::Chart,
            Cmd::OpenRecord { mrn, reason: None },
            fx,
        ),
        Command::Theme(name) => {
            let (theme, problems) = Theme::load(&name, &state.app.config_dir, state.app.no_color);
            let name = theme.name.clone();
            state.app.theme = theme;
            match problems.into_iter().next() {
                Some(p) => state.say(Level::Warning, p),
                None => {
                    let shown = crate::domain::Text::from(name.as_str());
                    state.overlay = Overlay::Question(Question::new(
                        format!("Theme {shown}. Keep it from now on (save it in config.toml)?"),
                        Then::SaveTheme(name.clone()),
                        format!("theme {shown} for this session only"),
                    ));
                }
            }
        }
        c => {
            if let Some(p) = c.pane() {
                send(state, p, Cmd::Palette(c), fx);
            }
        }
    }
}
