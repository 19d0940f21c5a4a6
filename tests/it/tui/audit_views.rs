//! The Audit pane's other views: one user's activity (`:audit-user NAME`) and the privacy
//! officer's queue (`:alerts`, `r` to mark one reviewed).

use chartroom::service::{Access, AuditReport, PrivacyAlert};
use chartroom::store::audit::AuditEntry;
use chartroom::tui::panes::audit as audit_pane;
use chartroom::tui::state::{Level, Msg, Req};
use chartroom::tui::{Effect, Mode, PaneId, State, update};
use crossterm::event::KeyCode;
use insta::assert_snapshot;

use super::super::sec_support::{as_user, restricted_patient, store};
use super::support::*;

fn entry(id: i64, at: &str, action: &str, object: &str, outcome: &str) -> AuditEntry {
    AuditEntry {
        id,
        at: at.into(),
        username: "roi".into(),
        os_login: Some("roi".into()),
        origin: Some("ssh 10.0.0.9 40022".into()),
        action: action.into(),
        patient_id: Some(1),
        object: Some(object.into()),
        outcome: outcome.into(),
        detail: None,
    }
}

fn user_report() -> AuditReport {
    AuditReport {
        subject: "user:roi".into(),
        entries: vec![
            entry(1, "2026-11-22T08:59:01Z", "login", "session", "ok"),
            entry(
                2,
                "2026-11-22T09:00:00Z",
                "chart_open",
                "patient:10000002",
                "reason_required",
            ),
            entry(
                3,
                "2026-11-22T09:00:12Z",
                "break_glass",
                "patient:10000002",
                "ok",
            ),
            entry(
                4,
                "2026-11-22T09:00:12Z",
                "chart_open",
                "patient:10000002",
                "ok",
            ),
            entry(
                5,
                "2026-11-22T09:04:40Z",
                "document_open",
                "document:77",
                "ok",
            ),
        ],
    }
}

fn alert(id: i64, at: &str, user: &str, mrn: &str, kinds: &str, reason: &str) -> PrivacyAlert {
    PrivacyAlert {
        id,
        at: at.into(),
        username: user.into(),
        mrn: mrn.into(),
        kinds: kinds.into(),
        action: "chart_open".into(),
        reason: reason.into(),
        audit_id: id * 10,
        reviewed_at: None,
        reviewed_by: None,
    }
}

fn alerts() -> Vec<PrivacyAlert> {
    vec![
        alert(
            3,
            "2026-11-25T16:45:31Z",
            "tech",
            "10000044",
            "employee",
            "\u{1b}[31mcoding query from Dr. Patel",
        ),
        alert(
            2,
            "2026-11-22T09:00:12Z",
            "roi",
            "10000002",
            "restricted",
            "release request 4411",
        ),
        alert(
            1,
            "2026-11-20T08:01:02Z",
            "coder",
            "10000016",
            "restricted,part2",
            "DNFC query, account 55120",
        ),
    ]
}

fn signed_in(role: &str) -> State {
    state_as(role)
}

/// Types a palette command and runs it; returns the effects.
fn command(s: &mut State, text: &str) -> Vec<Effect> {
    update(s, key(KeyCode::F(10)));
    type_offline(s, text);
    update(s, key(KeyCode::Enter))
}

fn one_request(e: &[Effect]) -> Req {
    match e {
        [Effect::Request(r)] => r.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_auditor_sees_what_a_user_did() {
    let mut s = signed_in("auditor");
    let r = one_request(&command(&mut s, "audit-user roi"));
    let id = r.id();
    let Some(audit_pane::Req::User { name }) = audit_req(&r) else {
        panic!("{r:?}")
    };
    assert_eq!(name, "roi");
    assert_eq!(pane(&s), PaneId::Audit);
    assert!(screen(&mut s, 120, 40).contains("Reading"));
    update(
        &mut s,
        Msg::Db(id, Ok(report_reply(Box::new(user_report())))),
    );
    let t = screen(&mut s, 120, 40);
    assert!(t.contains("activity of user roi"), "{t}");
    assert_snapshot!("audit_user_120x40", t);
    // leaving and coming back keeps the view; Enter asks again about the same user
    update(&mut s, key(KeyCode::Char('1')));
    assert!(update(&mut s, alt('6')).is_empty());
    let r = one_request(&update(&mut s, key(KeyCode::Enter)));
    assert!(
        matches!(audit_req(&r), Some(audit_pane::Req::User { name }) if name == "roi"),
        "{r:?}"
    );
    // `:audit MRN` goes back to the record view
    let r = one_request(&command(&mut s, "audit 10000002"));
    assert!(
        matches!(audit_req(&r), Some(audit_pane::Req::Patient { .. })),
        "{r:?}"
    );
    update(
        &mut s,
        Msg::Db(r.id(), Ok(report_reply(Box::new(user_report())))),
    );
    assert!(!screen(&mut s, 120, 40).contains("activity of user"));
}

#[test]
fn a_privacy_officer_sees_and_reviews_the_alerts() {
    let mut s = signed_in("privacy_officer");
    let r = one_request(&command(&mut s, "alerts"));
    let id = r.id();
    assert_eq!(audit_req(&r), Some(&audit_pane::Req::Alerts), "{r:?}");
    update(&mut s, Msg::Db(id, Ok(alerts_reply(alerts()))));
    let t = screen(&mut s, 120, 40);
    assert!(!t.contains('\u{1b}'));
    assert!(t.contains("release request 4411"), "{t}");
    assert_snapshot!("audit_alerts_120x40", t);
    // choose the second one and mark it reviewed
    update(&mut s, key(KeyCode::Char('j')));
    assert_eq!(selected_row(&s), Some(1));
    assert!(
        update(&mut s, key(KeyCode::Char('r'))).is_empty(),
        "r asks first"
    );
    let r = one_request(&update(&mut s, key(KeyCode::Char('y'))));
    let id = r.id();
    let Some(audit_pane::Req::Review { alert: chosen }) = audit_req(&r).cloned() else {
        panic!("{r:?}")
    };
    assert_eq!(chosen, 2);
    let left: Vec<_> = alerts().into_iter().filter(|a| a.id != 2).collect();
    update(&mut s, Msg::Db(id, Ok(alerts_reply(left))));
    assert_eq!(audit(&s).rows, 2);
    assert_eq!(selected_row(&s), Some(1));
    assert!(!screen(&mut s, 120, 40).contains("release request 4411"));
    // a long queue scrolls with the selection
    let r = one_request(&command(&mut s, "alerts"));
    let many: Vec<_> = (1..=60)
        .map(|i| {
            alert(
                i,
                "2026-11-20T08:01:02Z",
                "tech",
                "10000044",
                "employee",
                &format!("reason {i}"),
            )
        })
        .collect();
    update(&mut s, Msg::Db(r.id(), Ok(alerts_reply(many))));
    update(&mut s, key(KeyCode::Char('G')));
    let t = screen(&mut s, 120, 40);
    assert_eq!(selected_row(&s), Some(59));
    assert!(
        t.contains("▶ 2026-11-20 08:01:02 tech") && t.contains("reason 60"),
        "{t}"
    );
    assert!(!t.contains("reason 1 "), "{t}");
    // r is the Audit pane's key: on another pane it reviews nothing
    update(&mut s, key(KeyCode::Char('3')));
    assert!(update(&mut s, key(KeyCode::Char('r'))).is_empty());
    assert_eq!(mode(&s), Mode::Normal, "no question either");
    assert!(update(&mut s, key(KeyCode::Char('6'))).is_empty());
    assert_eq!(selected_row(&s), Some(59));
    // an empty queue says so
    let r = one_request(&command(&mut s, "alerts"));
    update(&mut s, Msg::Db(r.id(), Ok(alerts_reply(Vec::new()))));
    assert!(screen(&mut s, 120, 40).contains("No open privacy alerts"));
    // nothing selected: nothing to review
    assert!(update(&mut s, key(KeyCode::Char('r'))).is_empty());
    assert!(matches!(status(&s), Some((Level::Warning, _))));
    // the lock clears it
    update(&mut s, Msg::Db(0, Ok(chartroom::tui::state::Reply::Done)));
    update(&mut s, alt('l'));
    assert_eq!(audit(&s), Default::default());
}

#[test]
fn a_refusal_from_the_service_is_shown() {
    let mut s = signed_in("technician");
    let r = one_request(&command(&mut s, "alerts"));
    let msg =
        "your role (technician) may not read the audit trail; ask your supervisor if you need to";
    update(&mut s, Msg::Db(r.id(), Err(msg.into())));
    assert!(matches!(status(&s), Some((Level::Error, m)) if m == msg));
    let t = screen(&mut s, 120, 40);
    assert!(t.contains("your role may not read the audit trail"), "{t}");
}

#[test]
fn a_broken_glass_reaches_the_privacy_officer_through_the_worker() {
    let dir = super::super::common::tmp();
    let db = store(dir.path());
    let (mrn, _) = restricted_patient(&db);
    as_user(&db, "tech")
        .show_with(
            &mrn,
            &Access::BreakGlass {
                reason: "release request 4411".into(),
            },
        )
        .expect("glass broken");

    // the technician may not see the queue: the service says why
    let mut tech = as_user(&db, "tech");
    let (session, _) = chartroom::tui::worker::begin(&mut tech).unwrap();
    let mut s = state("default");
    update(&mut s, Msg::Ready(Ok(session)));
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::F(10)));
    type_offline(&mut s, "alerts");
    feed(&mut s, &mut tech, key(KeyCode::Enter));
    assert!(
        matches!(status(&s), Some((Level::Error, m)) if m.contains("may not")),
        "{:?}",
        status(&s)
    );
    assert_eq!(audit(&s).subject, None, "no alerts shown");

    // the privacy officer sees it, then the technician's activity, then reviews it
    let mut p = as_user(&db, "privacy");
    let (session, _) = chartroom::tui::worker::begin(&mut p).unwrap();
    assert_eq!(session.role, "privacy_officer");
    let mut s = state("default");
    update(&mut s, Msg::Ready(Ok(session)));
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::F(10)));
    type_offline(&mut s, "alerts");
    feed(&mut s, &mut p, key(KeyCode::Enter));
    let a = audit(&s);
    assert_eq!((a.subject.as_deref(), a.rows), (Some("alerts"), 1), "{a:?}");
    let t = screen(&mut s, 120, 40);
    assert!(
        t.lines().any(|l| l.contains("▶")
            && l.contains(" tech ")
            && l.contains(&mrn)
            && l.contains("release request 4411")),
        "{t}"
    );

    update(&mut s, key(KeyCode::F(10)));
    type_offline(&mut s, "audit-user tech");
    feed(&mut s, &mut p, key(KeyCode::Enter));
    assert_eq!(audit(&s).subject.as_deref(), Some("user:tech"));
    assert!(screen(&mut s, 120, 40).contains("break_glass"));

    update(&mut s, key(KeyCode::F(10)));
    type_offline(&mut s, "alerts");
    feed(&mut s, &mut p, key(KeyCode::Enter));
    // r asks first; No leaves it open
    feed(&mut s, &mut p, key(KeyCode::Char('r')));
    assert_eq!(mode(&s), Mode::Confirm);
    assert!(
        screen(&mut s, 120, 40).contains("reviewed ("),
        "the question names the alert"
    );
    feed(&mut s, &mut p, key(KeyCode::Enter));
    assert_eq!(p.privacy_alerts(true).unwrap().len(), 1);
    // y marks it reviewed, and the status bar says so and how to undo it
    feed(&mut s, &mut p, key(KeyCode::Char('r')));
    feed(&mut s, &mut p, key(KeyCode::Char('y')));
    assert!(p.privacy_alerts(true).unwrap().is_empty());
    assert!(
        matches!(status(&s), Some((_, m)) if m.contains("marked reviewed") && m.contains("u opens it again"))
    );
    assert_eq!(audit(&s).rows, 1, "still listed, as reviewed");
    assert_eq!(audit(&s).subject.as_deref(), Some("alerts"));
    // u opens it again, with a reason (audited through the service)
    feed(&mut s, &mut p, key(KeyCode::Char('u')));
    feed(&mut s, &mut p, key(KeyCode::Char('y')));
    feed(&mut s, &mut p, key(KeyCode::Enter));
    assert_eq!(mode(&s), Mode::Confirm, "a reason is needed");
    type_str(&mut s, &mut p, "reviewed the wrong one");
    feed(&mut s, &mut p, key(KeyCode::Enter));
    assert_eq!(p.privacy_alerts(true).unwrap().len(), 1, "open again");
    assert!(matches!(status(&s), Some((_, m)) if m.contains("open again")));
    let mine = p.actor().user.username.to_string();
    let rows = p.audit_user(&mine).unwrap().entries;
    let undo = rows
        .iter()
        .rev()
        .find(|e| e.action == "alert_unreview")
        .expect("an unreview row");
    assert!(
        undo.detail
            .as_ref()
            .is_some_and(|d| d.raw().contains("reviewed the wrong one"))
    );
}
