-- The survey's command side: what its commands decide against. Authoritative
-- and never dropped by a rebuild (the read model is, in the views schema).
-- Every row here is written in the transaction that also writes the command's
-- events to the outbox, so a number is taken exactly when its event exists.

-- One row per recorded visit: a visit takes one record.
CREATE TABLE recorded_visits (
    visit_id    text        PRIMARY KEY,
    record_no   text        NOT NULL UNIQUE,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

-- The last record number handed out per calendar month of the visit
-- (HF-YYYY-MM-NNNN). Never reset: a rebuilt read model cannot give a number
-- out again.
CREATE TABLE record_counters (
    month text    PRIMARY KEY,  -- YYYY-MM
    last  integer NOT NULL
);

-- The failed attempts of each visit, numbered 1, 2, ... without gaps; a
-- refused or retried request adds no row.
CREATE TABLE failed_attempts (
    visit_id    text        NOT NULL,
    attempt_no  integer     NOT NULL,
    event_id    uuid        NOT NULL UNIQUE,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (visit_id, attempt_no)
);
