-- The audit trail (issue "Who may do what"): every event a request appended
-- with an API key, with the key that appended it. Written in the command's
-- transaction (or after a log-first publish); kept with the command side, so
-- a rebuild never loses it. The events themselves name the key's actor too.
CREATE TABLE IF NOT EXISTS audit_trail (
    event_id    uuid        PRIMARY KEY,
    type        text        NOT NULL,
    actor       text        NOT NULL,
    key_id      text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    appended_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS audit_trail_key ON audit_trail (key_id, appended_at);
