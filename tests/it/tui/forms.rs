//! A form over a pane (no pane has one for users yet; the tests open one the way a pane
//! will): fields, Tab, an error under a field from the domain's validation, dirty tracking,
//! Esc asks before dropping changes; the idle lock keeps an unsaved draft in memory and
//! shows none of it; the unlock brings it back.

use std::time::{Duration, Instant};

use chartroom::domain::{clean_text, date::parse_date};
use chartroom::tui::panes::{PaneReq, chart};
use chartroom::tui::state::{Level, Msg, Reply, Req};
use chartroom::tui::widgets::form::Form;
use chartroom::tui::{Effect, Mode, PaneId, update};
use crossterm::event::KeyCode;

use super::lock::with_phi;
use super::support::*;

fn family(s: &str) -> Result<(), String> {
    clean_text("family name", s, 50, true)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn dob(s: &str) -> Result<(), String> {
    parse_date(s).map(|_| ()).map_err(|e| e.to_string())
}

fn demographics() -> Form {
    Form::new("Correct the demographics")
        .field("Family name", 50, "Smith", family)
        .field("Date of birth", 10, "1992-08-31", dob)
}

#[test]
fn a_form_checks_its_fields_and_asks_before_dropping_changes() {
    let mut s = with_phi();
    s.open_form(demographics());
    assert_eq!(mode(&s), Mode::Form);
    assert_eq!(s.mode_label(), "EDIT");
    // letters are text; Tab goes to the next field
    type_offline(&mut s, "-Quinn");
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, ctrl('u'));
    type_offline(&mut s, "1992-13-45");
    let t = screen(&mut s, 100, 30);
    assert!(t.contains("Smith-Quinn") && t.contains("(changed)"), "{t}");
    // Ctrl-s: the date is checked by the domain; its error shows under the field
    let fx = update(&mut s, ctrl('s'));
    assert!(fx.is_empty());
    let t = screen(&mut s, 100, 30);
    let at = t.lines().position(|l| l.contains("1992-13-45")).unwrap();
    let under = t.lines().nth(at + 1).unwrap();
    assert!(
        under.contains("1992-13-45") || under.contains("date"),
        "{t}"
    );
    assert_eq!(mode(&s), Mode::Form, "not saved, still open");
    // Fixed, the checks pass and the pane is asked to save it: the Chart pane is read-only
    // and saves no form, so it says so and the draft stays.
    update(&mut s, ctrl('u'));
    type_offline(&mut s, "08/31/1992");
    update(&mut s, ctrl('s'));
    assert!(matches!(status(&s), Some((Level::Warning, m)) if m.contains("cannot be saved")));
    assert!(!screen(&mut s, 100, 30).contains("is not valid"));
    assert_eq!(mode(&s), Mode::Form);
    // Esc with changes asks; No (the default) keeps the form
    update(&mut s, key(KeyCode::Esc));
    assert!(screen(&mut s, 100, 30).contains("Drop your changes? [y/N]"));
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(mode(&s), Mode::Form);
    assert!(screen(&mut s, 100, 30).contains("Smith-Quinn"));
    // Yes drops it: the document is back
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, ch('y'));
    assert_eq!(mode(&s), Mode::Document);
    assert!(!screen(&mut s, 100, 30).contains("Smith-Quinn"));
    // Unchanged: Esc just closes
    s.open_form(demographics());
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(mode(&s), Mode::Document);
}

#[test]
fn the_lock_keeps_an_unsaved_draft_in_memory_and_shows_none_of_it() {
    let mut s = with_phi();
    s.open_form(demographics());
    type_offline(&mut s, "-Quinn");
    update(&mut s, Msg::Paste(" Zoë".into()));
    assert!(screen(&mut s, 100, 30).contains("Smith-Quinn Zoë"));

    update(&mut s, Msg::Tick(Instant::now() + Duration::from_secs(301)));
    assert_eq!(mode(&s), Mode::Lock);
    // Nothing of the draft (or the record) on any pane or on the screen…
    let mut drawn = vec![s.screen_text(100, 30), screen(&mut s, 120, 40)];
    for p in PaneId::ALL {
        drawn.push(s.pane_text(*p, 100, 30));
    }
    for text in &drawn {
        for x in ["Quinn", "Zoë", "Smith", "1992-08-31", "demographics"] {
            assert!(!text.contains(x), "{x:?} drawn while locked:\n{text}");
        }
    }
    assert!(
        s.form(PaneId::Chart).is_none(),
        "no form is drawn while locked"
    );
    // …but the draft is kept in memory, as typed.
    let draft = s.stowed_form(PaneId::Chart).expect("the draft kept");
    assert_eq!(
        draft.values(),
        vec![
            ("Family name", "Smith-Quinn Zoë".to_string()),
            ("Date of birth", "1992-08-31".to_string())
        ]
    );
    assert!(draft.is_dirty());
    assert!(!format!("{draft:?}").contains("Quinn"), "Debug hides it");

    // The unlock brings it back where it was (the chart is asked for again too).
    type_offline(&mut s, "pw");
    let fx = update(&mut s, key(KeyCode::Enter));
    let id = match fx.as_slice() {
        [Effect::Request(r @ Req::Unlock { .. })] => r.id(),
        other => panic!("{other:?}"),
    };
    let fx = update(&mut s, Msg::Db(id, Ok(Reply::Done)));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Request(r) if matches!(
                pane_req(r),
                Some(PaneReq::Chart(chart::Req::Chart { mrn, .. })) if mrn == "10000002"
            )))
    );
    assert_eq!(mode(&s), Mode::Form);
    assert!(screen(&mut s, 100, 30).contains("Smith-Quinn Zoë"));
    assert!(s.stowed_form(PaneId::Chart).is_none());
}
