//! Roles and what each may do. Enforced in the service layer, never in a screen.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Technician,
    Coder,
    RoiSpecialist,
    Supervisor,
    PrivacyOfficer,
    Auditor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Technician,
        Role::Coder,
        Role::RoiSpecialist,
        Role::Supervisor,
        Role::PrivacyOfficer,
        Role::Auditor,
        Role::Admin,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Technician => "technician",
            Role::Coder => "coder",
            Role::RoiSpecialist => "roi_specialist",
            Role::Supervisor => "supervisor",
            Role::PrivacyOfficer => "privacy_officer",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Search,
    ViewChart,
    ViewDocument,
    Edit,
    Code,
    Release,
    Merge,
    RevealSsn,
    ReadAudit,
    ManageUsers,
    /// Clear a lock left by five wrong passwords (a supervisor's job, as well as the admin's).
    UnlockUsers,
}

impl Permission {
    pub const ALL: [Permission; 11] = [
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
    ];
}

impl Permission {
    pub fn describe(self) -> &'static str {
        match self {
            Permission::Search => "search for patients",
            Permission::ViewChart => "open charts",
            Permission::ViewDocument => "read documents",
            Permission::Edit => "change patient records",
            Permission::Code => "code encounters",
            Permission::Release => "release records",
            Permission::Merge => "merge patient records",
            Permission::RevealSsn => "see full Social Security numbers",
            Permission::ReadAudit => "read the audit trail",
            Permission::ManageUsers => "manage users and site settings",
            Permission::UnlockUsers => "unlock locked user accounts",
        }
    }
}

/// The permission matrix (minimum necessary, 45 CFR 164.514(d): workforce access limited by role).
pub fn allows(role: Role, p: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Technician => matches!(p, Search | ViewChart | ViewDocument | Edit),
        Role::Coder => matches!(p, Search | ViewChart | ViewDocument | Code),
        Role::RoiSpecialist => matches!(p, Search | ViewChart | ViewDocument | Release | RevealSsn),
        Role::Supervisor => matches!(
            p,
            Search
                | ViewChart
                | ViewDocument
                | Edit
                | Code
                | Release
                | Merge
                | RevealSsn
                | UnlockUsers
        ),
        Role::PrivacyOfficer => {
            matches!(p, Search | ViewChart | ViewDocument | RevealSsn | ReadAudit)
        }
        Role::Auditor => matches!(p, Search | ReadAudit),
        // The site's administrator holds every permission; every use is still audited.
        Role::Admin => true,
    }
}
