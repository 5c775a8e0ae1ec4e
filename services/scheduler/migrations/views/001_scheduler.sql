-- The scheduler's read model, derived from the ledger, survey and feedback
-- topics (never from its own schedule topic).

-- What the scheduler knows about each customer: the domain's CustomerFacts
-- as one JSONB snapshot (services/scheduler/snapshot.py), read, changed and
-- written back per event. One customer's events are ordered on one partition,
-- so this read-modify-write inside the batch's transaction is safe.
CREATE TABLE customer_facts (
    customer_id   text PRIMARY KEY,
    customer_name text,
    facts         jsonb       NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Every visit ever planned, with the last plan published for it. `status` is
-- the stored lifecycle: planned (open), escalated (open, taken over), done or
-- cancelled; due and overdue are derived from the dates for an `as_of`.
CREATE TABLE visits (
    visit_id        text PRIMARY KEY,
    customer_id     text    NOT NULL,
    kind            text    NOT NULL,
    due_date        date    NOT NULL,
    latest_date     date    NOT NULL,
    channel         text    NOT NULL,
    status          text    NOT NULL
        CHECK (status IN ('planned', 'escalated', 'done', 'cancelled')),
    failed_attempts integer NOT NULL DEFAULT 0,
    region          text,
    unit_id         text,
    order_id        text,
    store_id        text,
    ticket_id       text,
    product_model   text,
    policy_version  text    NOT NULL,
    -- Visits have no assigned visitor: the one of the latest attempt or record.
    visitor         text,
    record_no       text,
    done_on         date,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX visits_customer ON visits (customer_id);
CREATE INDEX visits_by_due ON visits (due_date, visit_id);
CREATE INDEX visits_open_by_due ON visits (due_date)
    WHERE status IN ('planned', 'escalated');
CREATE INDEX visits_unit ON visits (unit_id) WHERE unit_id IS NOT NULL;
CREATE INDEX visits_visitor ON visits (visitor) WHERE visitor IS NOT NULL;

-- A visit's history: planned, rescheduled, cancelled, attempts, escalated,
-- done, due and overdue; `event_id` is the event that says so.
CREATE TABLE visit_history (
    seq         bigserial   PRIMARY KEY,
    visit_id    text        NOT NULL,
    event_id    uuid        NOT NULL,
    type        text        NOT NULL,
    caused_by   text,
    occurred_at timestamptz NOT NULL,
    detail      jsonb       NOT NULL DEFAULT '{}',
    UNIQUE (event_id, visit_id)
);
CREATE INDEX visit_history_visit ON visit_history (visit_id, seq);

-- What the daily tick announced: each visit due once and overdue once, also
-- across restarts and missed days.
CREATE TABLE announcements (
    visit_id     text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('due', 'overdue')),
    announced_on date NOT NULL,
    event_id     uuid NOT NULL,
    PRIMARY KEY (visit_id, kind)
);
