-- The scheduler's read model: what its API answers, built only from the
-- events on the log (its own schedule topic and the survey's records and
-- attempts), so a rebuild answers the same. The command side is in the
-- store schema (migrations/store).

-- Every visit planned, as the schedule topic tells it. `status` is the
-- lifecycle: planned (open), escalated (open, taken over), done or
-- cancelled; due and overdue are derived for an `as_of` by
-- domain.status.visit_status (views.STATUS_FILTER is its SQL form).
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
-- done, due and overdue; `event_id` is the event that says so, `caused_by`
-- the id of the event that caused it (for the scheduler's own).
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
