-- chartroom store, version 6: the change history of patients, encounters and documents.
-- Every save writes one row per field changed (before and after, as stored), naming the
-- record's version it made; rows are never changed or deleted (restoring an old value is a
-- new change that names the one it restores).
CREATE TABLE changes (
    id         INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    entity     TEXT NOT NULL CHECK (entity IN ('patient','encounter','document')),
    entity_id  INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    field      TEXT NOT NULL,
    before     TEXT,
    after      TEXT,
    at         TEXT NOT NULL,
    user_id    INTEGER REFERENCES users(id),
    username   TEXT NOT NULL,
    restores   INTEGER REFERENCES changes(id)
);
CREATE INDEX changes_patient ON changes(patient_id, id);
CREATE INDEX changes_entity ON changes(entity, entity_id, version);
CREATE TRIGGER changes_no_update BEFORE UPDATE ON changes
BEGIN SELECT RAISE(ABORT, 'the change history cannot be rewritten'); END;
CREATE TRIGGER changes_no_delete BEFORE DELETE ON changes
BEGIN SELECT RAISE(ABORT, 'the change history cannot be rewritten'); END;
