//! Snapshots of the screens (TestBackend, fixed day, seeded demo store) at 80×24 and 120×40.

use std::sync::OnceLock;

use chartroom::service::Found;
use chartroom::store::patients::PatientRow;
use chartroom::tui::state::{Msg, Overlay, Reply, SearchStatus};
use chartroom::tui::update;
use crossterm::event::KeyCode;
use insta::{assert_debug_snapshot, assert_snapshot};

use super::common::*;
use super::tui_support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// One seeded store shared by the snapshot tests (read-only use; searches add audit rows).
fn store() -> &'static std::path::Path {
    static DIR: OnceLock<(tempfile::TempDir, std::path::PathBuf)> = OnceLock::new();
    let (_, p) = DIR.get_or_init(|| {
        let d = tmp();
        let p = demo_store(d.path(), 400);
        (d, p)
    });
    p
}

fn snap_both(name: &str, s: &mut chartroom::tui::State) {
    for (w, h) in SIZES {
        assert_snapshot!(format!("{name}_{w}x{h}"), screen(s, w, h));
    }
}

#[test]
fn empty_search() {
    let mut s = state("default");
    snap_both("empty_search", &mut s);
}

#[test]
fn results_and_no_results() {
    let mut svc = service(store());
    let mut s = state("default");
    type_str(&mut s, &mut svc, "smith");
    assert_eq!(s.patients.status, SearchStatus::Done);
    assert!(!s.patients.results.is_empty());
    snap_both("results", &mut s);
    let mut s = state("default");
    type_str(&mut s, &mut svc, "zzyzx qwv");
    assert!(s.patients.results.is_empty());
    snap_both("no_results", &mut s);
}

fn open_chart(s: &mut chartroom::tui::State) -> chartroom::service::Service {
    let mut svc = service(store());
    type_str(s, &mut svc, "smith");
    feed(s, &mut svc, key(KeyCode::Enter));
    assert!(s.chart.chart.is_some(), "{:?}", s.chart.error);
    svc
}

#[test]
fn chart_and_document() {
    let mut s = state("default");
    let mut svc = open_chart(&mut s);
    snap_both("chart", &mut s);
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    assert!(s.chart.doc.as_ref().is_some_and(|d| d.doc.is_some()));
    snap_both("document", &mut s);
}

#[test]
fn help_and_palette() {
    let mut s = state("default");
    update(&mut s, key(KeyCode::F(1)));
    assert!(matches!(s.overlay, Overlay::Help { .. }));
    snap_both("help", &mut s);
    let mut s = state("default");
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::Char(':')));
    type_offline(&mut s, "them");
    snap_both("palette", &mut s);
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
    // Every overlay and pane at tiny sizes, too.
    let mut s = state("default");
    let _svc = open_chart(&mut s);
    for (w, h) in [(1, 1), (0, 0), (60, 15), (61, 16)] {
        let _ = draw(&mut s, w, h);
        update(&mut s, key(KeyCode::F(1)));
        let _ = draw(&mut s, w, h);
        update(&mut s, key(KeyCode::Esc));
    }
}

#[test]
fn styles_default_and_monochrome() {
    for theme in ["default", "monochrome"] {
        let mut svc = service(store());
        let mut s = state(theme);
        type_str(&mut s, &mut svc, "smith");
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
    let fx = type_offline(&mut s, "smith");
    let id = s.patients.latest;
    assert!(!fx.is_empty());
    let evil = vec![
        row("10000001", "\u{1b}]0;owned\u{7}Smith", "Ann"),
        row("10000002", "Smith\u{202e}evil", "\u{1b}[2J\u{9b}31m"),
    ];
    update(&mut s, Msg::Db(id, Ok(Reply::Found(evil))));
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
