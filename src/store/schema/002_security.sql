-- chartroom store, version 2: the audit hash chain and the privacy officer's queue.
-- The UPDATE trigger is dropped while the chain is filled in for existing rows and
-- re-created by the migration runner in the same transaction (see migrate.rs).
DROP TRIGGER audit_no_update;
ALTER TABLE audit ADD COLUMN prev_hash BLOB;
ALTER TABLE audit ADD COLUMN hash BLOB;

-- Break-the-glass accesses to restricted, employee and Part 2 records, for review.
CREATE TABLE privacy_alerts (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    username    TEXT NOT NULL,
    patient_id  INTEGER NOT NULL REFERENCES patients(id),
    kinds       TEXT NOT NULL,              -- e.g. 'restricted,part2'
    action      TEXT NOT NULL,              -- what was opened: chart_open, document_open, ssn_reveal
    reason      TEXT NOT NULL,
    audit_id    INTEGER NOT NULL,           -- the break_glass audit row
    reviewed_at TEXT,
    reviewed_by TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX privacy_alerts_open ON privacy_alerts(reviewed_at, id);
-- An alert is never deleted, and only its review fields change.
CREATE TRIGGER privacy_alerts_no_delete BEFORE DELETE ON privacy_alerts
BEGIN SELECT RAISE(ABORT, 'privacy alerts cannot be deleted'); END;
CREATE TRIGGER privacy_alerts_no_rewrite
BEFORE UPDATE OF at, user_id, username, patient_id, kinds, action, reason, audit_id ON privacy_alerts
BEGIN SELECT RAISE(ABORT, 'privacy alerts cannot be changed, only marked reviewed'); END;
