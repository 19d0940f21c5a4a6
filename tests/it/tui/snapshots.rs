//! Snapshots of the screens (TestBackend, fixed day, hand-built synthetic data) at 80×24 and
//! 120×40. The data goes in through `update` as store replies, the way the worker sends it.

use chartroom::service::Found;
use chartroom::store::patients::PatientRow;
use chartroom::tui::{Mode, State, update};
use crossterm::event::KeyCode;
use insta::{assert_debug_snapshot, assert_snapshot};

use super::fixtures as fx;
use super::support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap_both(name: &str, s: &mut State) {
    for (w, h) in SIZES {
        assert_snapshot!(format!("{name}_{w}x{h}"), screen(s, w, h));
    }
}

fn with_results(theme: &str, n: usize) -> State {
    let mut s = state(theme);
    let e = type_offline(&mut s, "smith");
    answer(&mut s, e, found(fx::results(n)));
    let p = patients(&s);
    assert!(!p.busy && p.subject.as_deref() == Some("smith"), "{p:?}");
    s
}

fn with_chart() -> State {
    let mut s = with_results("default", 30);
    let e = update(&mut s, key(KeyCode::Enter));
    answer(&mut s, e, chart_reply(Box::new(fx::chart())));
    assert!(chart(&s).subject.is_some());
    s
}

#[test]
fn empty_search() {
    let mut s = state("default");
    snap_both("empty_search", &mut s);
}

#[test]
fn results_and_no_results() {
    let mut s = with_results("default", 30);
    update(&mut s, key(KeyCode::Down));
    update(&mut s, key(KeyCode::Down));
    snap_both("results", &mut s);
    let mut s = state("default");
    let e = type_offline(&mut s, "zzyzx qwv");
    answer(&mut s, e, found(Vec::new()));
    snap_both("no_results", &mut s);
}

#[test]
fn chart_and_document() {
    let mut s = with_chart();
    snap_both("chart", &mut s);
    let e = update(&mut s, key(KeyCode::Enter));
    answer(&mut s, e, doc_reply(Box::new(fx::document())));
    assert_eq!(s.mode(), Mode::Document);
    snap_both("document", &mut s);
    // scrolled to the end: the hostile signature line shows harmlessly
    update(&mut s, key(KeyCode::Char('G')));
    let t = screen(&mut s, 80, 24);
    assert!(t.contains("^[]0;owned^GHector"), "{t}");
    assert_snapshot!("document_end_80x24", t);
}

#[test]
fn help_and_palette() {
    let mut s = state("default");
    update(&mut s, key(KeyCode::F(1)));
    assert_eq!(mode(&s), Mode::Help);
    snap_both("help", &mut s);
    let mut s = state("default");
    update(&mut s, key(KeyCode::F(10)));
    type_offline(&mut s, "them");
    snap_both("palette", &mut s);
}

#[test]
fn restricted_warning() {
    let mut s = with_results("default", 30);
    update(&mut s, key(KeyCode::Down));
    update(&mut s, key(KeyCode::Down));
    let e = update(&mut s, key(KeyCode::Enter));
    answer(&mut s, e, restricted("restricted"));
    assert_eq!(s.mode(), Mode::Glass);
    assert_snapshot!("restricted_warning_80x24", screen(&mut s, 80, 24));
    update(&mut s, key(KeyCode::Char('y')));
    type_offline(&mut s, "coding query");
    assert_snapshot!("restricted_reason_80x24", screen(&mut s, 80, 24));
}

#[test]
fn too_small_and_tiny_areas() {
    let mut s = state("default");
    assert_snapshot!("too_small_50x12", screen(&mut s, 50, 12));
    let t = screen(&mut s, 10, 3);
    assert!(t.contains("terminal"), "{t}");
    for (w, h) in [(1, 1), (0, 0), (1, 0), (0, 1), (2, 40), (300, 2)] {
        let _ = draw(&mut s, w, h);
    }
    // Every pane and overlay at tiny and edge sizes, too.
    let mut s = with_chart();
    let e = update(&mut s, key(KeyCode::Enter));
    answer(&mut s, e, doc_reply(Box::new(fx::document())));
    for (w, h) in [(1, 1), (0, 0), (59, 14), (60, 15), (61, 16)] {
        let _ = draw(&mut s, w, h);
        update(&mut s, key(KeyCode::F(1)));
        let _ = draw(&mut s, w, h);
        update(&mut s, key(KeyCode::Esc));
        update(&mut s, key(KeyCode::F(10)));
        let _ = draw(&mut s, w, h);
        update(&mut s, key(KeyCode::Esc));
    }
}

#[test]
fn styles_default_and_monochrome() {
    for theme in ["default", "monochrome"] {
        let mut s = with_results(theme, 30);
        let t = draw(&mut s, 80, 24);
        assert_debug_snapshot!(format!("styles_results_{theme}"), t.backend().buffer());
    }
}

fn row(mrn: &str, family: &str, given: &str) -> Found {
    Found {
        row: PatientRow {
            id: 1,
            mrn: mrn.into(),
            family: family.into(),
            given: given.into(),
            middle: None,
            dob: "1970-03-14".into(),
            sex: "F".into(),
            ssn_last4: Some("1234".into()),
            last_encounter: Some("2026-01-02T10:00:00Z".into()),
            restricted: true,
            deceased: false,
        },
        score: 100,
    }
}

#[test]
fn escape_sequences_in_data_are_drawn_harmlessly() {
    let mut s = state("default");
    let e = type_offline(&mut s, "smith");
    let evil = vec![
        row("10000001", "\u{1b}]0;owned\u{7}Smith", "Ann"),
        row("10000002", "Smith\u{202e}evil", "\u{1b}[2J\u{9b}31m"),
    ];
    answer(&mut s, e, found(evil));
    let t = draw(&mut s, 80, 24);
    let text = t.backend().to_string();
    assert!(text.contains("^[]0;owned^GSmith"), "{text}");
    for cell in t.backend().buffer().content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "raw control in {:?}",
            cell.symbol()
        );
    }
    assert_snapshot!("escapes_in_data", text);
}

#[test]
fn pane_skeletons_form_chord_and_gauge() {
    // The panes whose work has not come: what they will be for.
    let mut s = state("default");
    update(&mut s, alt('2'));
    for (k, name) in [('3', "coding"), ('4', "requests"), ('5', "reports")] {
        update(&mut s, key(KeyCode::Char(k)));
        assert_snapshot!(format!("{name}_80x24"), screen(&mut s, 80, 24));
    }
    // g waits for its second key, with a hint
    let mut s = with_chart();
    update(&mut s, key(KeyCode::Char('g')));
    assert_snapshot!("chord_g_80x24", screen(&mut s, 80, 24));
    update(&mut s, key(KeyCode::Esc));
    // a form over the chart, a field in error
    s.open_form(
        chartroom::tui::widgets::form::Form::new("Correct the demographics")
            .field("Family name", 50, "Smith", |_| Ok(()))
            .field("Date of birth", 10, "1992-08-31", |d| {
                chartroom::domain::date::parse_date(d)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }),
    );
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, ctrl('u'));
    type_offline(&mut s, "31/08/1992");
    update(&mut s, ctrl('s'));
    assert_snapshot!("form_error_80x24", screen(&mut s, 80, 24));
    // a long job's gauge
    let mut s = state("default");
    let mut fx = Vec::new();
    let job = chartroom::tui::state::Job::Synthetic {
        steps: 40,
        step_ms: 1,
    };
    let id = chartroom::tui::jobs::start(&mut s, job, &mut fx).unwrap();
    update(
        &mut s,
        chartroom::tui::Msg::Db(
            id,
            Ok(chartroom::tui::Reply::Progress {
                done: 10,
                total: 40,
            }),
        ),
    );
    assert_snapshot!("job_gauge_80x24", screen(&mut s, 80, 24));
}
