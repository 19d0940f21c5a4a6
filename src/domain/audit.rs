//! The audit vocabulary: what was done (action), how it ended (outcome) and to what (object).
//! Typed, so a use case cannot misspell one; stored as the text each `as_str` gives, which
//! is also what the hash chain covers (existing trails keep verifying).

use std::fmt;

use super::{Mrn, Permission, Role};

macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $v,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s,)* }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$v),)* _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// What an audit row records.
    Action {
        Login = "login",
        Logout = "logout",
        LoginRefused = "login_refused",
        Lock = "lock",
        Unlock = "unlock",
        FailedUnlock = "failed_unlock",
        AccountLocked = "account_locked",
        Search = "search",
        /// The first search of a typing burst: written before its results are shown.
        SearchBurstOpen = "search_burst_open",
        /// The end of a typing burst, with how many searches and results it had.
        SearchBurstClose = "search_burst_close",
        ChartOpen = "chart_open",
        DocumentOpen = "document_open",
        SsnReveal = "ssn_reveal",
        BreakGlass = "break_glass",
        PatientCreate = "patient_create",
        PatientUpdate = "patient_update",
        EncounterUpdate = "encounter_update",
        DocumentUpdate = "document_update",
        /// The change history of a chart was read.
        HistoryRead = "history_read",
        Export = "export",
        Disclosure = "disclosure",
        Merge = "merge",
        UserCreate = "user_create",
        UserUpdate = "user_update",
        UserList = "user_list",
        UserUnlock = "user_unlock",
        PasswordChange = "password_change",
        RoleChange = "role_change",
        SiteShow = "site_show",
        SiteSettingChange = "site_setting_change",
        PermissionsShow = "permissions_show",
        PermissionChange = "permission_change",
        AuditRead = "audit_read",
        AuditVerify = "audit_verify",
        AuditAnchor = "audit_anchor",
        AlertsRead = "alerts_read",
        AlertReview = "alert_review",
        /// A reviewed alert opened again (the reason is in the detail).
        AlertUnreview = "alert_unreview",
        Check = "check",
        StoreCreate = "store_create",
        DemoImport = "demo_import",
        KeySlotAdd = "key_slot_add",
        KeySlotRemove = "key_slot_remove",
        KeySlots = "key_slots",
        KeyRotate = "key_rotate",
        StoreBackup = "store_backup",
        StoreRestore = "store_restore",
        /// A whole store copied into another (a file onto a server, or back).
        StoreCopy = "store_copy",
        EncounterCreate = "encounter_create",
        /// A group of HL7 messages received (a batch file's part, or the listener's).
        Hl7Receive = "hl7_receive",
        Hl7ErrorsRead = "hl7_errors_read",
        Hl7Replay = "hl7_replay",
        Hl7Dismiss = "hl7_dismiss",
    }
}

vocabulary! {
    /// How an audited event ended.
    Outcome {
        Ok = "ok",
        Denied = "denied",
        /// A restricted record was asked for without a reason (nothing was shown).
        ReasonRequired = "reason_required",
        /// The work was tried and did not succeed (the detail says why).
        Failed = "failed",
        /// Work outside the store's transactions has begun (a key file rewrite); a second
        /// row gives its outcome.
        Started = "started",
    }
}

/// What an audited event touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object {
    Patient(Mrn),
    Document(i64),
    Encounter(String),
    User(String),
    Site(&'static str),
    Alert(i64),
    KeySlot(String),
    Grant(Role, Permission),
    File(String),
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Object::Patient(m) => write!(f, "patient:{m}"),
            Object::Document(id) => write!(f, "document:{id}"),
            Object::Encounter(a) => write!(f, "encounter:{a}"),
            Object::User(u) => write!(f, "user:{u}"),
            Object::Site(k) => write!(f, "site:{k}"),
            Object::Alert(id) => write!(f, "alert:{id}"),
            Object::KeySlot(id) => write!(f, "key_slot:{id}"),
            Object::Grant(r, p) => write!(f, "grant:{}/{}", r.as_str(), p.as_str()),
            Object::File(p) => write!(f, "file:{p}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(*a));
            assert!(seen.insert(a.as_str()), "{a} twice");
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(*o));
        }
        assert_eq!(
            Object::Patient(Mrn::parse("10004217").unwrap()).to_string(),
            "patient:10004217"
        );
        assert_eq!(
            Object::Grant(Role::Coder, Permission::Code).to_string(),
            "grant:coder/code"
        );
    }
}
