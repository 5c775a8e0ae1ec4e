-- The scheduler's command side: what its event reactions decide against
-- (the ledger's, survey's and feedback's facts) and what its daily tick
-- announced. Authoritative: never dropped by a rebuild, never replayed.

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

-- Every visit ever planned, as last published (the domain's `Visit`) with its
-- lifecycle: planned (open), escalated (open, taken over), done or cancelled.
-- The next fact is reconciled against it, and the tick announces from it.
CREATE TABLE visit_plans (
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
    product_model   text,
    unit_id         text,
    order_id        text,
    store_id        text,
    ticket_id       text,
    policy_version  text    NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX visit_plans_customer ON visit_plans (customer_id);
CREATE INDEX visit_plans_open_by_due ON visit_plans (due_date)
    WHERE status IN ('planned', 'escalated');

-- What the daily tick announced: each visit due once and overdue once, also
-- across restarts, missed days and replicas (the primary key).
CREATE TABLE announcements (
    visit_id     text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('due', 'overdue')),
    announced_on date NOT NULL,
    event_id     uuid NOT NULL,
    PRIMARY KEY (visit_id, kind)
);
