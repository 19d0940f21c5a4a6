//! Every role × every action through the service layer, against a matrix written out here
//! (not read from the production table): allowed actions succeed; denied ones fail with
//! `Denied` (exit 4) and leave a `denied` audit row naming the user and the action.

use chartroom::domain::{PatientInput, Permission, Role, access};
use chartroom::service::{Conn, NewUser, ServiceError};

use super::common::tmp;
use super::sec_support::*;

/// Columns: search, view chart, view document, edit, code, release, merge, reveal SSN,
/// read audit, manage users, unlock users, break the glass, import codes, finalize coding,
/// decide amendments, sign documents.
#[rustfmt::skip]
const EXPECTED: [(Role, &str, [u8; 16]); 7] = [
    (Role::Technician,     "tech",       [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
    (Role::Coder,          "coder",      [1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0]),
    (Role::RoiSpecialist,  "roi",        [1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]),
    (Role::Supervisor,     "supervisor", [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0]),
    (Role::PrivacyOfficer, "privacy",    [1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0]),
    (Role::Auditor,        "auditor",    [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
    (Role::Admin,          "",           [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
];

/// The permissions with no service of their own yet (their grants are checked above, and
/// break-the-glass in sec_rights.rs).
fn no_service_yet(p: Permission) -> bool {
    matches!(
        p,
        Permission::Code
            | Permission::Release
            | Permission::Merge
            | Permission::BreakGlass
            | Permission::ImportCodes
            | Permission::FinalizeCoding
            | Permission::DecideAmendments
            | Permission::SignDocuments
    )
}

const PERMS: [Permission; 16] = [
    Permission::Search,
    Permission::ViewChart,
    Permission::ViewDocument,
    Permission::Edit,
    Permission::Code,
    Permission::Release,
    Permission::Merge,
    Permission::RevealSsn,
    Permission::ReadAudit,
    Permission::ManageUsers,
    Permission::UnlockUsers,
    Permission::BreakGlass,
    Permission::ImportCodes,
    Permission::FinalizeCoding,
    Permission::DecideAmendments,
    Permission::SignDocuments,
];

#[test]
fn the_default_matrix_is_the_one_written_here() {
    for (role, _, row) in EXPECTED {
        for (i, p) in PERMS.iter().enumerate() {
            assert_eq!(
                access::default_allows(role, *p),
                row[i] == 1,
                "{role:?} × {p:?}"
            );
        }
    }
    assert_eq!(
        Permission::ALL.len(),
        PERMS.len(),
        "a new permission needs a column here"
    );
}

/// One service action per permission that has a service today (code, release and merge do
/// not exist yet: their columns are checked in the domain test above). Returns the audit
/// action name a denial is recorded under.
fn act(
    svc: &mut Conn,
    perm: Permission,
    mrn: &str,
    doc: i64,
    tag: &str,
) -> (Result<(), ServiceError>, &'static str) {
    match perm {
        Permission::Search => (svc.find("smith", 5).map(|_| ()), "search"),
        Permission::ViewChart => (svc.show(mrn).map(|_| ()), "chart_open"),
        Permission::ViewDocument => (svc.open_document(doc).map(|_| ()), "document_open"),
        Permission::Edit => {
            let input = PatientInput {
                family: "Matrixtest".into(),
                given: tag.replace('_', ""),
                dob: "1980-01-02".into(),
                sex: "F".into(),
                ..Default::default()
            };
            (svc.add_patient(&input).map(|_| ()), "patient_create")
        }
        Permission::RevealSsn => (svc.reveal_ssn(mrn).map(|_| ()), "ssn_reveal"),
        Permission::ReadAudit => (svc.audit_patient(mrn).map(|_| ()), "audit_read"),
        Permission::ManageUsers => {
            let u = NewUser {
                username: format!("new-{tag}"),
                full_name: "New Person".into(),
                role: Role::Coder,
                os_login: None,
            };
            (svc.add_user(&u).map(|_| ()), "user_create")
        }
        Permission::UnlockUsers => (svc.unlock_user("coder").map(|_| ()), "user_unlock"),
        p => unreachable!("no service yet for {p:?}"),
    }
}

fn every_role_times_every_action_through_the_service(b: Backend) {
    let dir = tmp();
    let db = store_on(b, dir.path());
    let (mrn, doc) = plain_patient(&db);
    let admin = admin();
    for (role, name, row) in EXPECTED {
        let name = if role == Role::Admin {
            admin.as_str()
        } else {
            name
        };
        let mut svc = as_user(&db, name);
        assert_eq!(svc.actor().user.role, role);
        for (i, perm) in PERMS.iter().enumerate() {
            if no_service_yet(*perm) {
                continue;
            }
            let before = count(&db, "SELECT count(*) FROM audit");
            let (r, audit_action) = act(&mut svc, *perm, &mrn, doc, role.as_str());
            if row[i] == 1 {
                assert!(
                    r.is_ok(),
                    "{role:?} should be allowed {perm:?}: {:?}",
                    r.err()
                );
                continue;
            }
            match r {
                Err(e @ ServiceError::Denied { .. }) => {
                    assert_eq!(e.exit_code(), 4);
                    assert!(e.to_string().contains(role.as_str()), "{e}");
                }
                other => panic!("{role:?} × {perm:?}: expected a denial, got {other:?}"),
            }
            assert_eq!(
                count(&db, "SELECT count(*) FROM audit"),
                before + 1,
                "one row per denial"
            );
            let (who, action, outcome, _, detail) = last_audit(&db);
            assert_eq!(
                (who.as_str(), action.as_str(), outcome.as_str()),
                (name, audit_action, "denied")
            );
            assert_eq!(detail.as_deref(), Some(format!("needs {perm:?}").as_str()));
        }
    }
}

#[test]
fn the_cli_gives_the_same_answer_as_the_service() {
    let dir = tmp();
    let db = store(dir.path());
    let (mrn, _) = plain_patient(&db);
    become_user(&db, "auditor");
    let o = super::common::run(&db, &["show", &mrn]);
    assert_eq!(o.status.code(), Some(4));
    assert!(super::common::stderr(&o).contains("may not open charts"));
    assert!(
        super::common::stdout(&o).is_empty(),
        "nothing of the chart is printed"
    );
    let (who, action, outcome, _, _) = last_audit(&db);
    assert_eq!(
        (who.as_str(), action.as_str(), outcome.as_str()),
        ("auditor", "chart_open", "denied")
    );
    let o = super::common::run(&db, &["audit", "patient", &mrn, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", super::common::stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&super::common::stdout(&o)).expect("json");
    let entries = v["entries"].as_array().expect("entries");
    assert!(entries.iter().any(|e| e["action"] == "chart_open"
        && e["outcome"] == "denied"
        && e["username"] == "auditor"));
    for f in [
        "id", "at", "username", "os_login", "origin", "action", "object", "outcome",
    ] {
        assert!(entries[0].get(f).is_some(), "missing {f}");
    }
}

on_both!(every_role_times_every_action_through_the_service,);

served_twins!(every_role_times_every_action_through_the_service);
