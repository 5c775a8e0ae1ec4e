-- The consumed position of each partition, updated in the same transaction as
-- the read model, so that a consumer resumes exactly after what it applied.
CREATE TABLE IF NOT EXISTS consumer_positions (
    topic       text    NOT NULL,
    partition   integer NOT NULL,
    next_offset bigint  NOT NULL,
    PRIMARY KEY (topic, partition)
);

-- Event ids already applied: a fact sent twice (a weekly batch resent, a
-- retried request) is recognised by its id and changes nothing.
CREATE TABLE IF NOT EXISTS applied_events (
    event_id    uuid        PRIMARY KEY,
    -- type, version, key and payload hashed (schemas.codec.fingerprint): the
    -- same id with other content is a conflicting duplicate, dead-lettered
    fingerprint bytea,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
