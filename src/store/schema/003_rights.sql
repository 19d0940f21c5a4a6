-- chartroom store, version 3: what each role may do, as data the site can change
-- (`chartroom site permissions`). Read at every access; seeded with the default grants.
CREATE TABLE role_permissions (
    role       TEXT NOT NULL CHECK (role IN ('technician','coder','roi_specialist',
                   'supervisor','privacy_officer','auditor','admin')),
    permission TEXT NOT NULL,
    PRIMARY KEY (role, permission)
) WITHOUT ROWID;
