//! The help overlay, generated from the live keymap (never a hand-written list).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget};

use super::centered;
use crate::tui::action::PaneId;
use crate::tui::keymap::{Keymap, Mode, Section};
use crate::tui::theme::{Role, Theme};

fn section(title: &str, keymap: &Keymap, s: Section, theme: &Theme, out: &mut Vec<Line<'static>>) {
    let b = keymap.bindings(s);
    if b.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push(Line::from(""));
    }
    out.push(Line::from(Span::styled(
        title.to_string(),
        theme.style(Role::Header),
    )));
    for (action, keys) in b {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        // The popup is 76 wide: a longer line ends in … rather than being cut silently.
        let desc = super::fit(&action.desc(), 51);
        let keys = keys.join(" ");
        out.push(Line::from(vec![
            Span::styled(format!("  {keys:<20} "), theme.style(Role::Key)),
            Span::styled(desc, theme.style(Role::Base)),
        ]));
    }
}

/// The help text: the current pane's own keys first, then the mode the user was in, then
/// the keys that work everywhere.
pub fn lines(keymap: &Keymap, under: Mode, pane: PaneId, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if under == Mode::Normal {
        let own = format!("In the {} pane", pane.title());
        section(&own, keymap, Section::Pane(pane), theme, &mut out);
    }
    let title = match under {
        Mode::Search => "In the search box (letters and digits type; these keys do things)",
        Mode::Document => "Reading a document",
        Mode::Palette => "In the command palette",
        Mode::Form => "In a form (letters and digits type; these keys do things)",
        _ => "In a pane",
    };
    section(title, keymap, Section::Mode(under), theme, &mut out);
    section(
        "Everywhere (also from a text field)",
        keymap,
        Section::Mode(Mode::Global),
        theme,
        &mut out,
    );
    if under != Mode::Normal {
        section(
            "In a pane (after Esc)",
            keymap,
            Section::Mode(Mode::Normal),
            theme,
            &mut out,
        );
    }
    if pane == PaneId::Patients {
        notes("Searching for a patient", SEARCH_NOTES, theme, &mut out);
    }
    notes("Marks in the lists", MARKS, theme, &mut out);
    out
}

/// What the search box understands (dates above all: clerks type them many ways).
const SEARCH_NOTES: &[&str] = &[
    "Words combine: a name (typos are fine), a date of birth, an MRN, a phone",
    "number or the last 4 of the SSN, e.g. \"smith jo 1970\".",
    "Dates: 1970-03-14, 03/14/1970, 3/14/70, 03-14-1970, 1970/03/14, 19700314,",
    "14 Mar 1970, March 14, 1970; a month 03/1970 or a year 1970.",
    "14.03.1970 (with dots) is day first: 14 March 1970.",
    "A two-digit year is this century's unless that date is still to come,",
    "then the last century's: 3/14/70 is 1970 (a birth date is never ahead).",
];

/// The marks the result lists and the chart header use.
const MARKS: &[&str] = &[
    "R  restricted: a restricted record, an employee's record, or a",
    "   substance-use record (42 CFR Part 2); opening it asks for a reason",
    "†  deceased",
];

fn notes(title: &str, text: &[&str], theme: &Theme, out: &mut Vec<Line<'static>>) {
    out.push(Line::from(""));
    out.push(Line::from(Span::styled(
        title.to_string(),
        theme.style(Role::Header),
    )));
    for l in text {
        out.push(Line::from(Span::styled(
            format!("  {l}"),
            theme.style(Role::Base),
        )));
    }
}

pub fn render(
    keymap: &Keymap,
    under: Mode,
    pane: PaneId,
    scroll: &mut u16,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let all = lines(keymap, under, pane, theme);
    let h = (all.len() as u16 + 2)
        .min(area.height.saturating_sub(2))
        .max(3);
    let pop = centered(area, 76, h);
    let inner_h = pop.height.saturating_sub(2) as usize;
    let max_scroll = all.len().saturating_sub(inner_h) as u16;
    // Kept in range, so that k after G moves at once.
    *scroll = (*scroll).min(max_scroll);
    let scroll = *scroll;
    Clear.render(pop, buf);
    let more = if max_scroll > 0 {
        " j/k PgUp/PgDn g g/G scroll · "
    } else {
        " "
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocused))
        .title(Span::styled(" Help ", theme.style(Role::Title)))
        .title_bottom(Line::from(format!("{more}Esc close ")).right_aligned());
    Paragraph::new(all)
        .block(block)
        .style(theme.style(Role::Base))
        .scroll((scroll, 0))
        .render(pop, buf);
}
