//! Every pane as a unit: the lock clears every pane through the registry, so after it no
//! pane, drawn on its own, shows anything of the patient.

use std::time::{Duration, Instant};

use chartroom::service::AuditReport;
use chartroom::store::audit::AuditEntry;
use chartroom::tui::panes::audit::Req;
use chartroom::tui::state::Msg;
use chartroom::tui::{Effect, Mode, PaneId, State, update};
use crossterm::event::KeyCode;

use super::super::common::*;
use super::fixtures as fx;
use super::lock::phi_strings;
use super::support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn report() -> AuditReport {
    AuditReport {
        subject: "patient:10000002".into(),
        entries: vec![AuditEntry {
            id: 1,
            at: "2026-11-20T08:01:02Z".into(),
            username: "tech".into(),
            os_login: Some("tech".into()),
            origin: Some("tty /dev/pts/3".into()),
            action: "chart_open".into(),
            patient_id: Some(1),
            object: Some("patient:10000002".into()),
            outcome: "ok".into(),
            detail: None,
        }],
    }
}

/// Every registered pane drawn alone, at both sizes.
fn every_pane(s: &mut State) -> Vec<(PaneId, String)> {
    let mut out = Vec::new();
    for p in PaneId::ALL {
        for (w, h) in SIZES {
            out.push((*p, s.pane_text(*p, w, h)));
        }
    }
    out
}

#[test]
fn after_the_lock_no_pane_shows_the_patient() {
    // An administrator (may read the audit trail): results, a chart and a document, and
    // the Audit pane's report on that chart.
    let mut s = state_as("admin");
    update(
        &mut s,
        Msg::LoggedIn(chartroom::service::LoginInfo {
            must_unlock: false,
            idle_timeout_s: 300,
            has_password: true,
        }),
    );
    let e = type_offline(&mut s, "smith");
    answer(&mut s, e, found(fx::results(30)));
    let e = update(&mut s, key(KeyCode::Enter));
    answer(&mut s, e, chart_reply(Box::new(fx::chart())));
    let e = update(&mut s, key(KeyCode::Enter));
    answer(&mut s, e, doc_reply(Box::new(fx::document())));
    assert_eq!(mode(&s), Mode::Document);
    let e = update(&mut s, alt('6'));
    assert!(matches!(
        e.as_slice(),
        [Effect::Request(r)] if matches!(audit_req(r), Some(Req::Patient { mrn }) if mrn == "10000002")
    ));
    answer(&mut s, e, report_reply(Box::new(report())));
    // Before: the patient is on every pane that can show patient data.
    let before = every_pane(&mut s);
    for (p, name) in [
        (PaneId::Patients, "Smith"),
        (PaneId::Chart, "Carol"),
        (PaneId::Chart, "1992-08-31"),
        (PaneId::Audit, "10000002"),
    ] {
        assert!(
            before.iter().any(|(q, t)| *q == p && t.contains(name)),
            "{p:?} should show {name} before the lock"
        );
    }
    // The document is open inside the Chart pane: its text shows there.
    assert!(
        before
            .iter()
            .any(|(q, t)| *q == PaneId::Chart && t.contains("Day 1"))
    );

    update(&mut s, Msg::Tick(Instant::now() + Duration::from_secs(301)));
    assert!(s.is_locked());
    let mut drawn = every_pane(&mut s);
    for (w, h) in SIZES {
        drawn.push((s.current(), s.screen_text(w, h)));
    }
    let mut phi = phi_strings();
    phi.extend(["1992", "Day 1", "tech", "patient:"].map(String::from));
    for (p, text) in &drawn {
        for x in &phi {
            assert!(
                !text.contains(x.as_str()),
                "{x:?} in the {p:?} pane after the lock:\n{text}"
            );
        }
    }
}

#[test]
fn after_the_lock_no_pane_shows_a_real_patient() {
    let dir = tmp();
    let db = demo_store(dir.path(), 300);
    let mut svc = service(&db);
    let (session, login) = chartroom::tui::worker::begin(&mut svc).unwrap();
    let mut s = state("default");
    update(&mut s, Msg::Ready(Ok(session)));
    update(&mut s, Msg::LoggedIn(login));
    let found = svc.find("smith", 50).unwrap();
    type_str(&mut s, &mut svc, "smith");
    // a patient with documents, not restricted
    let mut who = None;
    for (i, f) in found.iter().enumerate().filter(|(_, f)| !f.row.restricted) {
        select_row(&mut s, i);
        feed(&mut s, &mut svc, key(KeyCode::Enter));
        if chart(&s).rows > 0 {
            who = Some(f.row.clone());
            break;
        }
        feed(&mut s, &mut svc, key(KeyCode::Esc));
        update(&mut s, alt('1'));
    }
    let row = who.expect("a smith with documents");
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    assert_eq!(mode(&s), Mode::Document);
    feed(&mut s, &mut svc, alt('6'));
    assert_eq!(audit(&s).subject, Some(format!("patient:{}", row.mrn)));
    let before = every_pane(&mut s);
    assert!(before.iter().any(|(_, t)| t.contains(row.mrn.raw())));
    feed(&mut s, &mut svc, alt('l'));
    assert!(s.is_locked() && svc.is_locked());
    for (p, text) in every_pane(&mut s) {
        for x in [&row.family, &row.given, &row.mrn, &row.dob] {
            assert!(
                !text.contains(x.raw()),
                "{x:?} in the {p:?} pane after the lock"
            );
        }
    }
}
