//! A question over the screen: "Quit chartroom? [y/N]", "Mark this alert reviewed? [y/N]",
//! and, when the answer needs one, a reason typed after `y`. No is the default: any key but
//! `y` answers No and says so. Keys that work everywhere (Alt-2, F1…) answer No and act.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget, Wrap};

use super::action::{Action, PaneId};
use super::keymap::{Key, Mode};
use super::overlay::Overlay;
use super::panes::Cmd;
use super::state::{Effect, Level, State};
use super::theme::{Role, Theme};
use super::update::{act, send};
use super::widgets::centered;
use super::widgets::field::TextField;

/// The longest reason a question takes.
pub const MAX_REASON: usize = 200;

/// What `y` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    Quit,
    /// Gives the pane that asked this command (its `reason` filled in when one was typed).
    Pane(Cmd),
    /// Saves the theme's name to config.toml.
    SaveTheme(String),
}

#[derive(Debug)]
pub struct Question {
    pub text: String,
    pub then: Then,
    /// Said when the answer is No.
    pub no: String,
    /// Some: a reason is typed after `y` (the field), and `yes` is true from then on.
    pub reason: Option<TextField>,
    pub yes: bool,
    /// The pane that asked.
    pub from: PaneId,
}

impl Question {
    pub fn new(text: impl Into<String>, then: Then, no: impl Into<String>) -> Question {
        Question {
            text: text.into(),
            then,
            no: no.into(),
            reason: None,
            yes: false,
            from: PaneId::Patients,
        }
    }

    /// After `y`, a reason must be typed (Enter sends it).
    pub fn with_reason(mut self) -> Question {
        self.reason = Some(TextField::new(MAX_REASON));
        self
    }
}

/// Quit, asking first when something would be lost or closed: a draft always; with `q`
/// (`now` false) also an open chart or search.
pub fn quit(state: &mut State, now: bool, fx: &mut Vec<Effect>) {
    let draft = state.panes.draft();
    let open = state.panes.record().is_some()
        || state
            .panes
            .get(PaneId::Patients)
            .probe()
            .field
            .is_some_and(|f| !f.trim().is_empty());
    if draft.is_none() && (now || !open) {
        return fx.push(Effect::Quit);
    }
    let text = match draft {
        Some(t) => format!("Quit chartroom? Your changes to {t} are not saved and would be lost."),
        None => "Quit chartroom?".to_string(),
    };
    state.overlay = Overlay::Question(Question::new(text, Then::Quit, "still here"));
    state.app.dirty = true;
}

fn answer_no(state: &mut State) {
    if let Overlay::Question(q) = std::mem::replace(&mut state.overlay, Overlay::None) {
        state.say(Level::Info, q.no);
    }
}

fn answer_yes(state: &mut State, fx: &mut Vec<Effect>) {
    let Overlay::Question(q) = std::mem::replace(&mut state.overlay, Overlay::None) else {
        return;
    };
    let reason = q.reason.map(|r| r.text().trim().to_string());
    match q.then {
        Then::Quit => fx.push(Effect::Quit),
        Then::Pane(cmd) => send(state, q.from, cmd.with_reason(reason), fx),
        Then::SaveTheme(name) => super::settings::save_theme(state, &name),
    }
}

/// A key while a question is up.
pub fn key(state: &mut State, key: &Key, ev: &KeyEvent, fx: &mut Vec<Effect>) {
    state.app.dirty = true;
    let global = state
        .app
        .keymap
        .lookup(Mode::Global, key)
        .filter(|_| !key.is_printable());
    let Overlay::Question(q) = &mut state.overlay else {
        return;
    };
    if let Some(a) = global {
        // Ctrl-c on "Quit chartroom?" is a yes; any other such key is a No, then acts.
        if a == Action::QuitNow && q.then == Then::Quit {
            return fx.push(Effect::Quit);
        }
        answer_no(state);
        return act(state, a, fx);
    }
    let plain = !ev
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    if !q.yes {
        match ev.code {
            KeyCode::Char('y' | 'Y') if plain && q.reason.is_some() => q.yes = true,
            KeyCode::Char('y' | 'Y') if plain => answer_yes(state, fx),
            _ => answer_no(state),
        }
        return;
    }
    let empty = q.reason.as_ref().is_none_or(|r| r.text().trim().is_empty());
    match ev.code {
        KeyCode::Esc => answer_no(state),
        KeyCode::Enter if empty => {
            state.say(Level::Warning, "type the reason, then Enter (Esc cancels)")
        }
        KeyCode::Enter => answer_yes(state, fx),
        _ => {
            if let Some(r) = q.reason.as_mut() {
                r.key(ev);
            }
        }
    }
}

/// A paste while a question is up: into its reason, if it is asking for one.
pub fn paste(state: &mut State, text: &str) {
    if let Overlay::Question(q) = &mut state.overlay
        && q.yes
        && let Some(r) = q.reason.as_mut()
    {
        r.paste(text);
        state.app.dirty = true;
    }
}

/// The lines of the question (also drawn on the "terminal too small" screen).
pub fn lines(q: &Question, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(Span::styled(
        q.text.clone(),
        theme.style(Role::Accent),
    ))];
    if q.yes {
        out.push(Line::from(Span::styled(
            "Enter done · Esc cancel",
            theme.style(Role::Muted),
        )));
    } else {
        out.push(Line::from(vec![
            Span::styled("[y/N] ", theme.style(Role::Key)),
            Span::styled("y yes · any other key is No", theme.style(Role::Muted)),
        ]));
    }
    out
}

/// Draws the question; returns where the cursor goes while a reason is typed.
pub fn render(q: &Question, theme: &Theme, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
    let pop = centered(area, 70, 8);
    if pop.width < 20 || pop.height < 5 {
        return None;
    }
    Clear.render(pop, buf);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocused))
        .title(Span::styled(" Are you sure? ", theme.style(Role::Title)));
    let inner = block.inner(pop);
    block.render(pop, buf);
    let mut text = lines(q, theme);
    let mut cursor = None;
    if let Some(r) = q.reason.as_ref().filter(|_| q.yes) {
        let (shown, x) = r.view(inner.width.saturating_sub(10) as usize);
        text.insert(
            1,
            Line::from(vec![
                Span::styled("Reason: ", theme.style(Role::Accent)),
                Span::styled(shown, theme.style(Role::Input)),
            ]),
        );
        let row = inner.y + (inner.height.saturating_sub(2)).min(text_rows(&q.text, inner.width));
        cursor = Some(((inner.x + 8 + x).min(inner.right().saturating_sub(1)), row));
    }
    Paragraph::new(text)
        .wrap(Wrap { trim: true })
        .style(theme.style(Role::Base))
        .render(inner, buf);
    cursor
}

/// Rows a text takes when wrapped at `width`.
fn text_rows(s: &str, width: u16) -> u16 {
    let w = unicode_width::UnicodeWidthStr::width(s) as u16;
    w.div_ceil(width.max(1)).max(1)
}

impl Cmd {
    /// The command with the reason typed for it.
    pub fn with_reason(self, reason: Option<String>) -> Cmd {
        match self {
            Cmd::Yes { what, id, .. } => Cmd::Yes { what, id, reason },
            other => other,
        }
    }
}
