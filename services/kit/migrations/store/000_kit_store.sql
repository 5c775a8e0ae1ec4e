-- The command side every service stands on: the outbox its decisions are
-- written to (in the transaction that takes them), the idempotency keys of its
-- commands, the runs of its periodic jobs, and the positions of its event
-- reactions. This schema is authoritative and never dropped by a rebuild.

-- Events decided but maybe not yet on the log. The relay publishes unsent
-- rows in `seq` order and records where each landed.
CREATE TABLE IF NOT EXISTS outbox (
    seq         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- null for a dead letter (its bytes need not be an event)
    event_id    uuid,
    topic       text        NOT NULL,
    key         bytea,
    value       bytea,
    headers     jsonb       NOT NULL DEFAULT '[]',
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    partition   integer,
    "offset"    bigint,
    -- a row the broker refuses for good (e.g. too large): kept, not retried
    failed      text
);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_event ON outbox (event_id)
    WHERE event_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (seq)
    WHERE sent_at IS NULL AND failed IS NULL;

-- A command's Idempotency-Key: the same key and body answers the first
-- answer again and appends nothing; another body under the key is refused.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope       text        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,
    status      integer,
    response    jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at);

-- The last business date each periodic job ran for, so that a missed day is
-- caught up and no day is run twice.
CREATE TABLE IF NOT EXISTS job_runs (
    job       text        PRIMARY KEY,
    last_date date        NOT NULL,
    ran_at    timestamptz NOT NULL DEFAULT now()
);

-- The positions and applied event ids of the service's event reactions
-- (the consumer that decides on the command side); the same shape as a read
-- model's, kept here because reactions are decisions and are never replayed.
CREATE TABLE IF NOT EXISTS consumer_positions (
    topic       text    NOT NULL,
    partition   integer NOT NULL,
    next_offset bigint  NOT NULL,
    PRIMARY KEY (topic, partition)
);
CREATE TABLE IF NOT EXISTS applied_events (
    event_id    uuid        PRIMARY KEY,
    -- type, version, key and payload hashed (schemas.codec.fingerprint): the
    -- same id with other content is a conflicting duplicate, dead-lettered
    fingerprint bytea,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
