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
    /// Open a restricted, employee or Part 2 record with a reason (break the glass).
    BreakGlass,
    /// Load code-set releases (ICD-10, the site's CPT file).
    ImportCodes,
    /// Final-code an encounter (it leaves the DNFC worklist).
    FinalizeCoding,
    /// Accept or deny a patient's request to amend their record (45 CFR 164.526).
    DecideAmendments,
    /// Sign documents as their author (42 CFR 482.24(c)(1)); the author check still applies.
    SignDocuments,
}

impl Permission {
    pub const ALL: [Permission; 16] = [
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

    /// The name kept in the store and typed at `chartroom site permissions`.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Search => "search",
            Permission::ViewChart => "view_chart",
            Permission::ViewDocument => "view_document",
            Permission::Edit => "edit",
            Permission::Code => "code",
            Permission::Release => "release",
            Permission::Merge => "merge",
            Permission::RevealSsn => "reveal_ssn",
            Permission::ReadAudit => "read_audit",
            Permission::ManageUsers => "manage_users",
            Permission::UnlockUsers => "unlock_users",
            Permission::BreakGlass => "break_glass",
            Permission::ImportCodes => "import_codes",
            Permission::FinalizeCoding => "finalize_coding",
            Permission::DecideAmendments => "decide_amendments",
            Permission::SignDocuments => "sign_documents",
        }
    }

    /// Reads a name as stored (`view_chart`) or typed (`view-chart`).
    pub fn parse(s: &str) -> Option<Permission> {
        let s = s.trim();
        Permission::ALL.into_iter().find(|p| {
            let n = p.as_str();
            n.len() == s.len()
                && n.bytes()
                    .zip(s.bytes())
                    .all(|(a, b)| a == b || (a == b'_' && b == b'-'))
        })
    }
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
            Permission::BreakGlass => "open restricted records with a reason",
            Permission::ImportCodes => "import code sets",
            Permission::FinalizeCoding => "final-code encounters",
            Permission::DecideAmendments => "accept or deny amendment requests",
            Permission::SignDocuments => "sign documents as their author",
        }
    }
}

/// The default permission matrix (minimum necessary, 45 CFR 164.514(d): workforce access
/// limited by role). It seeds the store's `role_permissions` table, which a site edits with
/// `chartroom site permissions`; decisions are always made from the store's table, read at
/// each access, never from this function.
pub fn default_allows(role: Role, p: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Technician => matches!(p, Search | ViewChart | ViewDocument | Edit | BreakGlass),
        Role::Coder => matches!(
            p,
            Search | ViewChart | ViewDocument | Code | FinalizeCoding | BreakGlass
        ),
        Role::RoiSpecialist => matches!(
            p,
            Search | ViewChart | ViewDocument | Release | RevealSsn | BreakGlass
        ),
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
                | BreakGlass
                | ImportCodes
                | FinalizeCoding
                | DecideAmendments
        ),
        Role::PrivacyOfficer => matches!(
            p,
            Search
                | ViewChart
                | ViewDocument
                | RevealSsn
                | ReadAudit
                | BreakGlass
                | DecideAmendments
        ),
        Role::Auditor => matches!(p, Search | ReadAudit),
        // The site's administrator holds every permission; every use is still audited.
        Role::Admin => true,
    }
}
