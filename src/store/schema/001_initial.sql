-- chartroom store, version 1. Every row a user can change carries `version`
-- (optimistic concurrency: an UPDATE names the version it read).

CREATE TABLE site_settings (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    full_name      TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('technician','coder','roi_specialist',
                       'supervisor','privacy_officer','auditor','admin')),
    os_login       TEXT UNIQUE,
    disabled       INTEGER NOT NULL DEFAULT 0,
    failed_unlocks INTEGER NOT NULL DEFAULT 0,
    locked         INTEGER NOT NULL DEFAULT 0,
    password_hash  TEXT,
    idle_timeout_s INTEGER,
    patient_id     INTEGER REFERENCES patients(id),
    created_at     TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE patients (
    id            INTEGER PRIMARY KEY,
    mrn           TEXT NOT NULL UNIQUE,
    family        TEXT NOT NULL,
    given         TEXT NOT NULL,
    middle        TEXT,
    suffix        TEXT,
    dob           TEXT NOT NULL,            -- YYYY-MM-DD
    sex           TEXT NOT NULL CHECK (sex IN ('F','M','O','U','A','N')),
    ssn           TEXT CHECK (ssn IS NULL OR length(ssn) = 9),
    ssn_last4     TEXT,
    address       TEXT,
    city          TEXT,
    state         TEXT,
    postal_code   TEXT,
    phone         TEXT,                     -- 10 digits
    restricted    INTEGER NOT NULL DEFAULT 0,
    employee      INTEGER NOT NULL DEFAULT 0,
    part2         INTEGER NOT NULL DEFAULT 0,
    deceased      INTEGER NOT NULL DEFAULT 0,
    merged_into   INTEGER REFERENCES patients(id),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX patients_dob ON patients(dob);
CREATE INDEX patients_ssn_last4 ON patients(ssn_last4);
CREATE INDEX patients_phone ON patients(phone);
CREATE INDEX patients_phone7 ON patients(substr(phone, 4));

CREATE TABLE patient_identifiers (
    id         INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    kind       TEXT NOT NULL,               -- e.g. 'MR' of another facility, 'MB' member id
    value      TEXT NOT NULL,
    issuer     TEXT,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX patient_identifiers_value ON patient_identifiers(value);
CREATE INDEX patient_identifiers_patient ON patient_identifiers(patient_id);

CREATE TABLE patient_names (
    id         INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    kind       TEXT NOT NULL CHECK (kind IN ('previous','alias')),
    family     TEXT NOT NULL,
    given      TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX patient_names_patient ON patient_names(patient_id);

CREATE TABLE encounters (
    id             INTEGER PRIMARY KEY,
    patient_id     INTEGER NOT NULL REFERENCES patients(id),
    account_number TEXT NOT NULL UNIQUE,
    type           TEXT NOT NULL CHECK (type IN ('inpatient','outpatient','emergency','observation')),
    admit_at       TEXT NOT NULL,           -- YYYY-MM-DD HH:MM, local time
    discharge_at   TEXT,
    attending      TEXT,
    service        TEXT,
    disposition    TEXT,
    coding_status  TEXT NOT NULL DEFAULT 'uncoded' CHECK (coding_status IN ('uncoded','coded')),
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX encounters_patient ON encounters(patient_id, admit_at);
CREATE INDEX encounters_dnfc ON encounters(coding_status, discharge_at);

CREATE TABLE documents (
    id            INTEGER PRIMARY KEY,
    patient_id    INTEGER NOT NULL REFERENCES patients(id),
    encounter_id  INTEGER REFERENCES encounters(id),
    doc_type      TEXT NOT NULL,
    title         TEXT NOT NULL,
    author        TEXT,
    service_date  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('incomplete','dictated','transcribed',
                      'signed','reviewed','completed','amended')),
    signed_by     TEXT,
    signed_at     TEXT,
    body          TEXT,
    file_ref      TEXT,
    part2         INTEGER NOT NULL DEFAULT 0,
    psychotherapy INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX documents_patient ON documents(patient_id);
CREATE INDEX documents_encounter ON documents(encounter_id);

CREATE TABLE diagnoses (
    id           INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    code_system  TEXT NOT NULL CHECK (code_system IN ('ICD10CM')),
    code         TEXT NOT NULL,
    sequence     INTEGER NOT NULL,          -- 1 = principal
    poa          TEXT CHECK (poa IS NULL OR poa IN ('Y','N','U','W','1')),
    version      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (encounter_id, sequence)
);

CREATE TABLE procedures (
    id           INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    code_system  TEXT NOT NULL CHECK (code_system IN ('ICD10PCS','HCPCS','CPT')),
    code         TEXT NOT NULL,
    sequence     INTEGER NOT NULL,
    performed_on TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (encounter_id, sequence)
);

-- Short titles of the codes the store uses, so charts read without the code-set tables.
CREATE TABLE code_titles (
    code_system TEXT NOT NULL,
    code        TEXT NOT NULL,
    title       TEXT NOT NULL,
    PRIMARY KEY (code_system, code)
) WITHOUT ROWID;

-- The audit trail: who did what to which patient, written in the same transaction as the work.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    user_id    INTEGER,
    username   TEXT NOT NULL,
    os_login   TEXT,
    origin     TEXT,
    action     TEXT NOT NULL,
    patient_id INTEGER,
    object     TEXT,
    outcome    TEXT NOT NULL,
    detail     TEXT
);
CREATE INDEX audit_patient ON audit(patient_id, id);
CREATE INDEX audit_user ON audit(user_id, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;

-- Patient search: the vocabulary of folded name tokens and, per token, the sorted patient ids
-- that carry it, in chunks of 65,536 ids (a new patient rewrites one small chunk).
CREATE TABLE search_token (
    id    INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    df    INTEGER NOT NULL DEFAULT 0        -- how many patients carry it
);
CREATE TABLE search_posting (
    token_id INTEGER NOT NULL,
    chunk    INTEGER NOT NULL,
    ids      BLOB NOT NULL,                 -- u32 little-endian, ascending
    PRIMARY KEY (token_id, chunk)
) WITHOUT ROWID;
-- Bumped whenever the vocabulary changes, so a long-running process reloads it.
CREATE TABLE search_meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO search_meta(key, value) VALUES ('vocab_generation', 0);
