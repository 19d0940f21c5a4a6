//! The keys chartroom starts with. A pane's own keys go in its section and work only there.

use super::{Chord, Keymap, Mode, Section};
use crate::tui::action::{Action, PaneId, Step};

fn k(s: &str) -> Chord {
    Chord::parse(s).unwrap_or_else(|e| unreachable!("default key {s}: {e}"))
}

impl Default for Keymap {
    fn default() -> Self {
        use Action::*;
        let mut km = Keymap {
            maps: Default::default(),
        };
        let mut bind = |s: Section, keys: &[&str], a: Action| {
            for key in keys {
                km.maps.entry(s).or_default().insert(k(key), a);
            }
        };
        let global = Section::Mode(Mode::Global);
        let normal = Section::Mode(Mode::Normal);
        let search = Section::Mode(Mode::Search);
        let document = Section::Mode(Mode::Document);
        let help = Section::Mode(Mode::Help);
        let palette = Section::Mode(Mode::Palette);
        let form = Section::Mode(Mode::Form);
        bind(global, &["ctrl-c"], QuitNow);
        // The palette from anywhere, the search box too (Ctrl-p is Up there).
        bind(global, &["f10", "ctrl-space"], Palette);
        bind(global, &["ctrl-z"], Suspend);
        bind(global, &["f1"], Help);
        bind(global, &["ctrl-l"], Redraw);
        bind(global, &["alt-l", "f12"], Lock);
        for (i, p) in PaneId::ALL.iter().enumerate() {
            bind(
                global,
                &[&format!("alt-{}", i + 1), &format!("f{}", i + 2)],
                Go(*p),
            );
            bind(normal, &[&format!("{}", i + 1)], Go(*p));
        }
        bind(normal, &["q"], Quit);
        bind(normal, &["?"], Help);
        bind(normal, &[":"], Palette);
        bind(normal, &["tab"], NextPane);
        bind(normal, &["shift-tab"], PrevPane);
        bind(normal, &["/", "i"], FocusSearch);
        bind(normal, &["enter", "l", "right"], Open);
        bind(normal, &["esc", "h", "left"], Back);
        bind(normal, &["j", "down"], Move(Step::Down));
        bind(normal, &["k", "up"], Move(Step::Up));
        bind(normal, &["ctrl-d"], Move(Step::HalfPageDown));
        bind(normal, &["ctrl-u"], Move(Step::HalfPageUp));
        bind(normal, &["pagedown"], Move(Step::PageDown));
        bind(normal, &["pageup"], Move(Step::PageUp));
        bind(normal, &["g g", "home"], Move(Step::Top));
        bind(normal, &["G", "end"], Move(Step::Bottom));

        let chart = Section::Pane(PaneId::Chart);
        bind(chart, &["J"], ScrollDown);
        bind(chart, &["K"], ScrollUp);
        bind(Section::Pane(PaneId::Audit), &["r"], ReviewAlert);
        bind(Section::Pane(PaneId::Audit), &["u"], UnreviewAlert);

        bind(search, &["esc"], LeaveField);
        bind(search, &["enter"], Open);
        bind(search, &["down", "ctrl-n"], Move(Step::Down));
        bind(search, &["up", "ctrl-p"], Move(Step::Up));
        bind(search, &["pagedown"], Move(Step::PageDown));
        bind(search, &["pageup"], Move(Step::PageUp));
        bind(search, &["ctrl-u"], ClearSearch);
        // Patients is search-first: panes are switched from the box (Alt-1…, F2…, Tab).
        bind(search, &["tab"], NextPane);
        bind(search, &["shift-tab"], PrevPane);

        bind(document, &["esc", "q", "h", "left"], Back);
        bind(document, &["j", "down"], Move(Step::Down));
        bind(document, &["k", "up"], Move(Step::Up));
        bind(document, &["ctrl-d", "space"], Move(Step::HalfPageDown));
        bind(document, &["ctrl-u"], Move(Step::HalfPageUp));
        bind(document, &["pagedown"], Move(Step::PageDown));
        bind(document, &["pageup"], Move(Step::PageUp));
        bind(document, &["g g", "home"], Move(Step::Top));
        bind(document, &["G", "end"], Move(Step::Bottom));
        bind(document, &["?"], Help);
        bind(document, &[":"], Palette);

        bind(help, &["esc", "?", "q"], Back);
        bind(help, &["j", "down"], Move(Step::Down));
        bind(help, &["k", "up"], Move(Step::Up));
        bind(help, &["pagedown", "space"], Move(Step::PageDown));
        bind(help, &["pageup"], Move(Step::PageUp));
        bind(help, &["g g", "home"], Move(Step::Top));
        bind(help, &["G", "end"], Move(Step::Bottom));

        bind(palette, &["esc"], Back);
        bind(palette, &["enter"], Confirm);
        bind(palette, &["down", "ctrl-n", "tab"], Move(Step::Down));
        bind(palette, &["up", "ctrl-p", "shift-tab"], Move(Step::Up));

        bind(form, &["tab"], NextField);
        bind(form, &["shift-tab"], PrevField);
        bind(form, &["ctrl-s"], Save);
        bind(form, &["esc"], Back);
        km
    }
}
