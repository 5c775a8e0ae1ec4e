-- Issue 11: the monthly report as handed out. Frozen on the day after the
-- period's cutoff by the leader replica (services/reporting/jobs.py), never
-- rebuilt and never changed: `body` is the report's canonical JSON
-- (sorted keys, no spaces, UTF-8), `content_hash` its SHA-256, `positions`
-- the read model's consumer positions it was built from, `record_nos` the
-- records it counted (a record of the period not among them arrived later:
-- an amendment), `distribution` who it was handed to, and when.
CREATE TABLE frozen_reports (
    period       text PRIMARY KEY,
    body         text        NOT NULL,
    content_hash text        NOT NULL,
    positions    jsonb       NOT NULL,
    record_nos   text[]      NOT NULL,
    distribution jsonb       NOT NULL,
    frozen_on    date        NOT NULL,
    frozen_at    timestamptz NOT NULL
);
