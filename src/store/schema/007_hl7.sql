-- chartroom store, version 7: HL7 v2 feeds. Which messages were applied (idempotency by sender and
-- control id, MSH-10 being unique only per sender), the error queue of messages that were
-- not, and the diagnoses and procedures a registration system reported for a visit.
CREATE TABLE hl7_applied (
    sender       TEXT NOT NULL,             -- MSH-3 "@" MSH-4
    control_id   TEXT NOT NULL,             -- MSH-10
    digest       TEXT NOT NULL,             -- SHA-256 of the message as received
    message_type TEXT NOT NULL,             -- e.g. ADT^A01
    patient_id   INTEGER REFERENCES patients(id),
    applied_at   TEXT NOT NULL,
    warnings     TEXT,                      -- fields dropped under the entry rules
    PRIMARY KEY (sender, control_id)
);
CREATE TABLE hl7_errors (
    id           INTEGER PRIMARY KEY,
    received_at  TEXT NOT NULL,
    sender       TEXT NOT NULL,
    control_id   TEXT NOT NULL,
    message_type TEXT NOT NULL,
    ack          TEXT NOT NULL CHECK (ack IN ('AE','AR')),
    reason       TEXT NOT NULL,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','replayed','dismissed')),
    resolved_at  TEXT,
    resolved_by  TEXT,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX hl7_errors_open ON hl7_errors(status, id);
CREATE TABLE reported_codes (
    id           INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    segment      TEXT NOT NULL CHECK (segment IN ('DG1','PR1')),
    code         TEXT NOT NULL,
    system       TEXT NOT NULL,
    title        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    UNIQUE (encounter_id, segment, code)
);
