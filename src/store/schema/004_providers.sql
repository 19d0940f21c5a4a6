-- chartroom store, version 4: providers (attending physicians, document authors), whom
-- encounters, documents, deficiencies, coding queries and reports refer to by id.
CREATE TABLE providers (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,            -- as letters address them: "Hector Valdés MD"
    npi            TEXT UNIQUE CHECK (npi IS NULL OR (length(npi) = 10 AND npi NOT GLOB '*[^0-9]*')),
    service        TEXT,
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    letter_address TEXT,                     -- where deficiency and other letters go
    user_id        INTEGER UNIQUE REFERENCES users(id), -- the chartroom user who is this provider
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX providers_name ON providers(name);
ALTER TABLE encounters ADD COLUMN attending_id INTEGER REFERENCES providers(id);
ALTER TABLE documents ADD COLUMN author_id INTEGER REFERENCES providers(id);
CREATE INDEX encounters_attending ON encounters(attending_id);
CREATE INDEX documents_author ON documents(author_id);
