//! A form: labelled fields (each the one [`TextField`]), Tab and Shift-Tab between them, an
//! error line under each field from its check (the domain's validation), dirty tracking,
//! Ctrl-s saves, Esc asks before dropping changes. The pane that opened it saves it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget};

use super::field::{Edit, TextField};
use super::{centered, fit};
use crate::tui::action::Action;
use crate::tui::theme::{Role, Theme};

/// Checks a field's text: `Err` says what is wrong, in a line for the clerk.
pub type Check = fn(&str) -> Result<(), String>;

pub struct FormField {
    pub label: &'static str,
    pub input: TextField,
    pub error: Option<String>,
    check: Check,
    /// The text when the form opened (dirty tracking).
    original: String,
}

/// What the form asks its pane after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    /// Every field passed its check: the pane may save.
    Save,
    /// Closed (nothing changed, or the changes were dropped when asked).
    Close,
}

pub struct Form {
    pub title: String,
    pub fields: Vec<FormField>,
    pub focus: usize,
    /// Esc with unsaved changes: "Drop your changes? [y/N]".
    pub asking: bool,
}

impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A draft may hold patient data: never in logs or panics.
        write!(f, "Form({} fields)", self.fields.len())
    }
}

impl Form {
    pub fn new(title: impl Into<String>) -> Form {
        Form {
            title: title.into(),
            fields: Vec::new(),
            focus: 0,
            asking: false,
        }
    }

    /// Adds a field holding at most `max` characters, starting with `value`.
    pub fn field(mut self, label: &'static str, max: usize, value: &str, check: Check) -> Form {
        let mut input = TextField::new(max);
        input.set(value);
        self.fields.push(FormField {
            label,
            original: input.text(),
            input,
            error: None,
            check,
        });
        self
    }

    /// Some field differs from what it held when the form opened.
    pub fn is_dirty(&self) -> bool {
        self.fields.iter().any(|f| f.input.text() != f.original)
    }

    /// Each field's label and text.
    pub fn values(&self) -> Vec<(&'static str, String)> {
        self.fields
            .iter()
            .map(|f| (f.label, f.input.text()))
            .collect()
    }

    /// Runs every field's check; the focus goes to the first field in error.
    pub fn check(&mut self) -> bool {
        for f in &mut self.fields {
            f.error = (f.check)(&f.input.text()).err();
        }
        match self.fields.iter().position(|f| f.error.is_some()) {
            Some(i) => {
                self.focus = i;
                false
            }
            None => true,
        }
    }

    /// Saved: what the fields hold now is the new starting point.
    pub fn saved(&mut self) {
        for f in &mut self.fields {
            f.original = f.input.text();
        }
    }

    /// An action bound in the `[form]` section.
    pub fn act(&mut self, a: Action) -> Outcome {
        let n = self.fields.len().max(1);
        match a {
            Action::NextField => self.focus = (self.focus + 1) % n,
            Action::PrevField => self.focus = (self.focus + n - 1) % n,
            Action::Save if self.check() => return Outcome::Save,
            Action::Back if self.is_dirty() => self.asking = true,
            Action::Back => return Outcome::Close,
            _ => {}
        }
        Outcome::Stay
    }

    /// A key that is no action: text for the focused field, or the answer to "drop?".
    pub fn key(&mut self, ev: &KeyEvent) -> Outcome {
        if self.asking {
            self.asking = false;
            let plain = !ev
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            return match ev.code {
                KeyCode::Char('y' | 'Y') if plain => Outcome::Close,
                _ => Outcome::Stay,
            };
        }
        if let Some(f) = self.fields.get_mut(self.focus)
            && f.input.key(ev) == Edit::Changed
        {
            f.error = None;
        }
        Outcome::Stay
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.input.paste(text);
            f.error = None;
        }
    }

    /// Draws the form over `area`; returns where the text cursor goes.
    pub fn render(&self, theme: &Theme, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
        let h = (self.fields.len() as u16 * 3 + 4).min(area.height);
        let pop = centered(area, 72, h);
        if pop.width < 20 || pop.height < 5 {
            return None;
        }
        Clear.render(pop, buf);
        let mark = if self.is_dirty() { " (changed)" } else { "" };
        let bottom = if self.asking {
            " Drop your changes? [y/N] "
        } else {
            " Tab next field · Ctrl-s save · Esc close "
        };
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.style(Role::BorderFocused))
            .title(Span::styled(
                format!(" {}{mark} ", self.title),
                theme.style(Role::Title),
            ))
            .title_bottom(Line::from(bottom).right_aligned());
        let inner = block.inner(pop);
        block.render(pop, buf);
        let width = inner.width.saturating_sub(3) as usize;
        let mut lines = Vec::new();
        let mut cursor = None;
        for (i, f) in self.fields.iter().enumerate() {
            let focused = i == self.focus;
            let (shown, x) = f.input.view(width);
            let label = if focused { Role::Accent } else { Role::Muted };
            lines.push(Line::from(Span::styled(f.label, theme.style(label))));
            if focused {
                cursor = Some((inner.x + 2 + x, inner.y + lines.len() as u16));
            }
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(shown, theme.style(Role::Input)),
            ]));
            lines.push(match &f.error {
                Some(e) => Line::from(Span::styled(
                    format!(
                        "  {}",
                        fit(&crate::domain::Text::from(e.as_str()).shown(), width)
                    ),
                    theme.style(Role::Error),
                )),
                None => Line::from(""),
            });
        }
        Paragraph::new(lines)
            .style(theme.style(Role::Base))
            .render(inner, buf);
        cursor.filter(|(_, y)| *y < inner.bottom())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_empty(s: &str) -> Result<(), String> {
        if s.trim().is_empty() {
            Err("type something here".into())
        } else {
            Ok(())
        }
    }

    fn key(f: &mut Form, c: char) -> Outcome {
        f.key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn tab_check_dirty_and_drop() {
        let mut f = Form::new("Test")
            .field("One", 10, "a", not_empty)
            .field("Two", 10, "", not_empty);
        assert!(!f.is_dirty());
        assert_eq!(f.act(Action::Back), Outcome::Close);
        assert_eq!(f.act(Action::Save), Outcome::Stay);
        assert_eq!(f.focus, 1, "the focus goes to the field in error");
        assert!(f.fields[1].error.is_some());
        key(&mut f, 'b');
        assert!(f.fields[1].error.is_none() && f.is_dirty());
        assert_eq!(f.act(Action::NextField), Outcome::Stay);
        assert_eq!(f.focus, 0);
        assert_eq!(f.act(Action::PrevField), Outcome::Stay);
        assert_eq!(f.act(Action::Back), Outcome::Stay);
        assert!(f.asking);
        assert_eq!(key(&mut f, 'n'), Outcome::Stay, "No is the default");
        assert!(!f.asking && f.is_dirty());
        f.act(Action::Back);
        assert_eq!(key(&mut f, 'y'), Outcome::Close);
        assert_eq!(f.act(Action::Save), Outcome::Save);
        f.saved();
        assert!(!f.is_dirty());
        assert_eq!(format!("{f:?}"), "Form(2 fields)");
    }
}
