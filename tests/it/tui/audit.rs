//! The Audit pane: "who looked at this record" for roles with ReadAudit; one honest line for
//! the others.

use chartroom::service::AuditReport;
use chartroom::store::audit::AuditEntry;
use chartroom::tui::panes::audit as audit_pane;
use chartroom::tui::state::Msg;
use chartroom::tui::{Effect, PaneId, State, update};
use crossterm::event::KeyCode;
use insta::assert_snapshot;

use super::super::common::*;
use super::fixtures as fx;
use super::support::*;

fn entry(id: i64, at: &str, user: &str, action: &str, outcome: &str, origin: &str) -> AuditEntry {
    AuditEntry {
        id,
        at: at.into(),
        username: user.into(),
        os_login: Some(user.into()),
        origin: Some(origin.into()),
        action: action.into(),
        patient_id: Some(1),
        object: Some("patient:10000002".into()),
        outcome: outcome.into(),
        detail: None,
    }
}

fn report() -> AuditReport {
    AuditReport {
        subject: "patient:10000002".into(),
        entries: vec![
            entry(
                1,
                "2026-11-20T08:01:02Z",
                "tech",
                "chart_open",
                "ok",
                "tty /dev/pts/3",
            ),
            entry(
                2,
                "2026-11-20T08:03:40Z",
                "tech",
                "document_open",
                "ok",
                "tty /dev/pts/3",
            ),
            entry(
                3,
                "2026-11-21T14:12:09Z",
                "coder",
                "chart_open",
                "denied",
                "ssh 10.0.0.7 52114",
            ),
            entry(
                4,
                "2026-11-22T09:00:00Z",
                "roi",
                "break_glass",
                "ok",
                "ssh 10.0.0.9 40022",
            ),
            entry(
                5,
                "2026-11-25T16:45:31Z",
                "auditor",
                "audit_read",
                "ok",
                "\u{1b}[31mtty",
            ),
        ],
    }
}

/// A chart open, signed in with `role`.
fn with_chart(role: &str) -> State {
    let mut s = state_as(role);
    let e = type_offline(&mut s, "smith");
    let id = |e: &[Effect]| match e.last() {
        Some(Effect::Request(r)) => r.id(),
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Db(id(&e), Ok(found(fx::results(5)))));
    let e = update(&mut s, key(KeyCode::Enter));
    update(
        &mut s,
        Msg::Db(id(&e), Ok(chart_reply(Box::new(fx::chart())))),
    );
    assert!(chart(&s).subject.is_some());
    s
}

#[test]
fn an_auditor_sees_who_looked_at_the_open_chart() {
    let mut s = with_chart("auditor");
    let e = update(&mut s, key(KeyCode::Char('6')));
    assert_eq!(pane(&s), PaneId::Audit);
    let id = match e.as_slice() {
        [Effect::Request(r)] => {
            assert_eq!(
                audit_req(r),
                Some(&audit_pane::Req::Patient {
                    mrn: "10000002".into()
                })
            );
            r.id()
        }
        other => panic!("{other:?}"),
    };
    assert!(screen(&mut s, 120, 40).contains("Reading"));
    update(&mut s, Msg::Db(id, Ok(report_reply(Box::new(report())))));
    let t = screen(&mut s, 120, 40);
    assert!(!t.contains('\u{1b}'));
    assert_snapshot!("audit_120x40", t);
    // coming back to the pane does not ask again; Enter does
    update(&mut s, key(KeyCode::Char('2')));
    assert!(update(&mut s, key(KeyCode::Char('6'))).is_empty());
    let e = update(&mut s, key(KeyCode::Enter));
    assert!(matches!(
        e.as_slice(),
        [Effect::Request(r)] if matches!(audit_req(r), Some(audit_pane::Req::Patient { .. }))
    ));
    // the lock clears the report too
    update(&mut s, Msg::Db(0, Ok(chartroom::tui::state::Reply::Done)));
    update(&mut s, alt('l'));
    assert_eq!(audit(&s), Default::default());
    assert!(!s.pane_text(PaneId::Audit, 120, 40).contains("10000002"));
}

#[test]
fn other_roles_see_one_honest_line() {
    for role in ["technician", "coder", "roi_specialist", "supervisor"] {
        let mut s = with_chart(role);
        let e = update(&mut s, key(KeyCode::Char('6')));
        assert!(e.is_empty(), "{role}: {e:?}");
        let t = screen(&mut s, 120, 40);
        assert!(t.contains("your role may not read the audit trail"), "{t}");
        assert!(!t.contains("10000002"));
    }
    let mut s = with_chart("technician");
    assert_snapshot!("audit_denied_80x24", {
        update(&mut s, key(KeyCode::Char('6')));
        screen(&mut s, 80, 24)
    });
}

#[test]
fn an_administrator_sees_their_own_chart_open_in_a_real_store() {
    let dir = tmp();
    let db = demo_store(dir.path(), 200);
    let mut svc = service(&db);
    let (session, login) = chartroom::tui::worker::begin(&mut svc).unwrap();
    assert_eq!(session.role, "admin");
    let user = session.user.to_string();
    let mut s = state("default");
    update(&mut s, Msg::Ready(Ok(session)));
    update(&mut s, Msg::LoggedIn(login));
    let found = svc.find("smith", 50).unwrap();
    type_str(&mut s, &mut svc, "smith");
    let row = found.iter().position(|f| !f.row.restricted).unwrap();
    let other = found.last().unwrap().row.mrn.clone();
    select_row(&mut s, row);
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    let mrn = chart(&s).subject.expect("a chart open");
    feed(&mut s, &mut svc, alt('6'));
    assert_eq!(audit(&s).subject, Some(format!("patient:{mrn}")));
    let t = screen(&mut s, 120, 40);
    assert!(
        t.lines().any(|l| l.contains("chart_open")
            && l.contains(&user[..user.len().min(14)])
            && l.contains(" ok ")),
        "{t}"
    );
    // any MRN from the palette
    update(&mut s, key(KeyCode::F(10)));
    type_offline(&mut s, &format!("audit {other}"));
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    assert_eq!(pane(&s), PaneId::Audit);
    assert_eq!(audit(&s).subject, Some(format!("patient:{other}")));
    // a wrong MRN: the pane says so
    update(&mut s, key(KeyCode::F(10)));
    type_offline(&mut s, "audit 99999999");
    feed(&mut s, &mut svc, key(KeyCode::Enter));
    assert!(audit(&s).error.is_some());
    assert!(screen(&mut s, 120, 40).contains("could not be read"));
}

#[test]
fn audit_mrn_from_another_pane_asks_about_that_record_only() {
    // A chart is open (the Audit pane follows it), but `:audit MRN` names another record.
    let mut s = with_chart("auditor");
    assert_eq!(pane(&s), PaneId::Chart);
    update(&mut s, key(KeyCode::F(10)));
    type_offline(&mut s, "audit 10000099");
    let e = update(&mut s, key(KeyCode::Enter));
    assert_eq!(pane(&s), PaneId::Audit);
    let asked: Vec<_> = e
        .iter()
        .filter_map(|e| match e {
            Effect::Request(r) => audit_req(r).cloned(),
            _ => None,
        })
        .collect();
    assert_eq!(
        asked,
        vec![audit_pane::Req::Patient {
            mrn: "10000099".into()
        }]
    );
}
