//! Rights are read at each access: every rule changed while a session is open applies to
//! that session's next action, and the permission matrix is the store's, changed with
//! `chartroom site permissions` (administrators, audited).

use chartroom::domain::{Permission, Role};
use chartroom::service::{Access, ServiceError};

use super::common::{run, stderr, stdout, tmp};
use super::sec_support::*;

fn glass(reason: &str) -> Access {
    Access::BreakGlass {
        reason: reason.into(),
    }
}

fn a_role_change_applies_to_an_open_session_at_its_next_action(b: Backend) {
    let dir = tmp();
    let db = store_on(b, dir.path());
    let (mrn, _) = plain_patient(&db);
    let mut t = as_user(&db, "tech");
    t.show(&mrn).expect("a technician opens charts");
    as_user(&db, &admin())
        .set_role("tech", Role::Auditor)
        .expect("demote");
    assert!(matches!(t.show(&mrn), Err(ServiceError::Denied { .. })));
    assert_eq!(
        t.actor().user.role,
        Role::Auditor,
        "the session saw the change"
    );
    let (who, action, outcome, _, detail) = last_audit(&db);
    assert_eq!(
        (who.as_str(), action.as_str(), outcome.as_str()),
        ("tech", "chart_open", "denied")
    );
    assert_eq!(detail.as_deref(), Some("needs ViewChart"));
}

fn a_grant_taken_away_applies_at_once_and_comes_back_when_given(b: Backend) {
    let dir = tmp();
    let db = store_on(b, dir.path());
    let (mrn, _) = plain_patient(&db);
    let mut t = as_user(&db, "tech");
    let mut a = as_user(&db, &admin());
    t.show(&mrn).expect("allowed by default");
    assert!(
        a.set_permission(Role::Technician, Permission::ViewChart, false)
            .expect("revoke")
    );
    assert!(matches!(t.show(&mrn), Err(ServiceError::Denied { .. })));
    assert!(
        !t.permissions()
            .expect("rights")
            .contains(&Permission::ViewChart)
    );
    assert!(
        !a.set_permission(Role::Technician, Permission::ViewChart, false)
            .expect("again: no change")
    );
    a.set_permission(Role::Technician, Permission::ViewChart, true)
        .expect("grant");
    t.show(&mrn).expect("allowed again");
    let n = count(
        &db,
        "SELECT count(*) FROM audit WHERE action = 'permission_change' AND object = 'grant:technician/view_chart'",
    );
    assert_eq!(n, 3, "each change is audited, the no-op too");
}

fn administrators_keep_the_right_to_manage_users(b: Backend) {
    let dir = tmp();
    let db = store_on(b, dir.path());
    let mut a = as_user(&db, &admin());
    let e = a
        .set_permission(Role::Admin, Permission::ManageUsers, false)
        .expect_err("refused");
    assert_eq!(e.exit_code(), 2);
    assert!(matches!(
        as_user(&db, "supervisor").set_permission(Role::Coder, Permission::Merge, true),
        Err(ServiceError::Denied { .. })
    ));
}

fn break_the_glass_is_a_grant_of_its_own(b: Backend) {
    let dir = tmp();
    let db = store_on(b, dir.path());
    let (mrn, _) = restricted_patient(&db);
    let mut t = as_user(&db, "tech");
    as_user(&db, &admin())
        .set_permission(Role::Technician, Permission::BreakGlass, false)
        .expect("revoke");
    match t.show_with(&mrn, &glass("covering for a colleague")) {
        Err(e @ ServiceError::Denied { .. }) => {
            assert!(e.to_string().contains("restricted records"), "{e}")
        }
        other => panic!("expected a denial, got {:?}", other.map(|_| ())),
    }
    assert_eq!(count(&db, "SELECT count(*) FROM privacy_alerts"), 0);
    let (_, action, outcome, _, detail) = last_audit(&db);
    assert_eq!(
        (action.as_str(), outcome.as_str()),
        ("chart_open", "denied")
    );
    assert_eq!(detail.as_deref(), Some("needs BreakGlass"));
    as_user(&db, &admin())
        .set_permission(Role::Technician, Permission::BreakGlass, true)
        .expect("grant");
    t.show_with(&mrn, &glass("covering for a colleague"))
        .expect("opens with the grant back");
}

fn disabling_or_locking_a_user_ends_what_their_open_session_may_do(b: Backend) {
    let dir = tmp();
    let db = store_on(b, dir.path());
    let mut t = as_user(&db, "tech");
    let mut c = as_user(&db, "coder");
    t.find("smith", 5).expect("works");
    let mut a = as_user(&db, &admin());
    a.set_user_disabled("tech", true).expect("disable");
    assert!(matches!(t.find("smith", 5), Err(ServiceError::Disabled(_))));
    let (who, action, outcome, _, detail) = last_audit(&db);
    assert_eq!(
        (who.as_str(), action.as_str(), outcome.as_str()),
        ("tech", "login_refused", "denied")
    );
    assert_eq!(detail.as_deref(), Some("reason=disabled"));
    // Locked by five wrong passwords typed in another session of the same user.
    a.set_password(Some("coder"), None, "coder-password")
        .expect("passwd");
    let mut other = as_user(&db, "coder");
    other.lock().expect("lock");
    for _ in 0..5 {
        let _ = other.unlock("wrong-wrong");
    }
    assert!(matches!(c.find("smith", 5), Err(ServiceError::Locked(_))));
}

fn the_own_record_link_and_the_idle_timeout_apply_at_the_next_access(b: Backend) {
    let dir = tmp();
    let db = store_on(b, dir.path());
    let (mrn, _) = plain_patient(&db);
    let mut t = as_user(&db, "tech");
    t.show(&mrn).expect("not linked yet");
    assert_eq!(t.effective_idle_timeout().expect("idle"), 300);
    let mut a = as_user(&db, &admin());
    a.link_user_patient("tech", Some(&mrn)).expect("link");
    a.site_set("idle_timeout_s", "120").expect("site");
    assert!(matches!(t.show(&mrn), Err(ServiceError::OwnRecord)));
    assert_eq!(t.effective_idle_timeout().expect("idle"), 120);
}

#[test]
fn the_shell_shows_and_changes_the_matrix() {
    let dir = tmp();
    let db = store(dir.path());
    let o = run(&db, &["site", "permissions"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("break_glass") && out.contains("open restricted records"),
        "{out}"
    );
    let o = run(&db, &["site", "permissions", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let granted = |role: &str, p: &str| {
        v.as_array()
            .expect("array")
            .iter()
            .any(|g| g["role"] == role && g["permission"] == p && g["granted"] == true)
    };
    assert!(granted("coder", "code") && !granted("coder", "import_codes"));
    let o = run(
        &db,
        &["site", "permissions", "grant", "coder", "import-codes"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("coder may now import code sets"),
        "{}",
        stdout(&o)
    );
    let o = run(&db, &["site", "permissions", "revoke", "coder", "nonsense"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the permissions are: search"),
        "{}",
        stderr(&o)
    );
    let o = run(&db, &["site", "permissions", "grant", "janitor", "search"]);
    assert_eq!(o.status.code(), Some(2));
    become_user(&db, "supervisor");
    let o = run(&db, &["site", "permissions"]);
    assert_eq!(o.status.code(), Some(4), "{}", stdout(&o));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit WHERE action = 'permissions_show' AND outcome = 'ok'"
        ),
        2
    );
}

#[test]
fn site_show_and_key_slot_listing_are_audited_on_success() {
    let dir = tmp();
    let db = store(dir.path());
    as_user(&db, &admin()).site_show().expect("show");
    let (_, action, outcome, _, _) = last_audit(&db);
    assert_eq!((action.as_str(), outcome.as_str()), ("site_show", "ok"));
}

on_both!(
    a_role_change_applies_to_an_open_session_at_its_next_action,
    a_grant_taken_away_applies_at_once_and_comes_back_when_given,
    administrators_keep_the_right_to_manage_users,
    break_the_glass_is_a_grant_of_its_own,
    disabling_or_locking_a_user_ends_what_their_open_session_may_do,
    the_own_record_link_and_the_idle_timeout_apply_at_the_next_access,
);

served_twins!(
    a_role_change_applies_to_an_open_session_at_its_next_action,
    a_grant_taken_away_applies_at_once_and_comes_back_when_given,
    administrators_keep_the_right_to_manage_users,
    break_the_glass_is_a_grant_of_its_own,
    disabling_or_locking_a_user_ends_what_their_open_session_may_do,
    the_own_record_link_and_the_idle_timeout_apply_at_the_next_access,
    site_show_and_key_slot_listing_are_audited_on_success,
);
