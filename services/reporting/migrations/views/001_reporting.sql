-- The reporting read model: what the monthly satisfaction measurement report
-- (顾客满意度测量报告) counts, derived from the schedule, survey, feedback and
-- ledger topics. Every table is keyed by the fact's own identity (record
-- number, visit id, attempt number, ticket step, CAPA id), so a fact resent
-- under a new event id lands on the same row. Periods are not stored: rows
-- keep their business dates and a report computes its bounds from the cutoff
-- day, so changing the cutoff needs no rebuild.

CREATE TABLE visit_records (
    record_no             text PRIMARY KEY,
    customer_id           text    NOT NULL,
    visit_id              text    NOT NULL,
    kind                  text    NOT NULL,
    visited_on            date    NOT NULL,
    visitor               text    NOT NULL,
    channel               text    NOT NULL,
    product_quality       text,
    service_quality       text,
    score                 integer NOT NULL,
    suggestions           text    NOT NULL DEFAULT '',
    needs                 text    NOT NULL DEFAULT '',
    post_warranty_service text[]  NOT NULL DEFAULT '{}',
    unit_id               text,
    order_id              text,
    store_id              text,
    ticket_id             text,
    product_model         text,
    region                text
);
CREATE INDEX visit_records_visited_on ON visit_records (visited_on);

-- Planned visits with their latest dates; a visit_overdue, rescheduled or
-- cancelled may in principle land before its visit_planned, hence nullable.
CREATE TABLE visits (
    visit_id    text PRIMARY KEY,
    customer_id text    NOT NULL,
    kind        text,
    due_date    date,
    latest_date date,
    channel     text,
    region      text,
    product_model text,
    unit_id     text,
    order_id    text,
    ticket_id   text,
    cancelled   boolean NOT NULL DEFAULT false,
    overdue_on  date
);
CREATE INDEX visits_due_date ON visits (due_date);
CREATE INDEX visits_overdue_on ON visits (overdue_on);

CREATE TABLE failed_attempts (
    visit_id     text    NOT NULL,
    attempt_no   integer NOT NULL,
    customer_id  text    NOT NULL,
    attempted_on date    NOT NULL,
    reason       text    NOT NULL,
    PRIMARY KEY (visit_id, attempt_no)
);
CREATE INDEX failed_attempts_on ON failed_attempts (attempted_on);

CREATE TABLE tickets (
    ticket_id    text PRIMARY KEY,
    customer_id  text NOT NULL,
    complaint_id text,
    subject      text,
    department   text,
    opened_on    date,
    visit_id     text,
    record_no    text
);
CREATE INDEX tickets_opened_on ON tickets (opened_on);

-- Resolutions and re-visit outcomes. `seq` keeps the order they were applied
-- in (one customer's facts are ordered on one partition), which decides a
-- ticket's state when two steps share a date.
CREATE TABLE ticket_steps (
    ticket_id text   NOT NULL,
    step      text   NOT NULL,
    on_date   date   NOT NULL,
    record_no text   NOT NULL DEFAULT '',
    seq       bigserial,
    PRIMARY KEY (ticket_id, step, on_date, record_no)
);
CREATE INDEX ticket_steps_on ON ticket_steps (on_date);

CREATE TABLE capas (
    capa_id       text PRIMARY KEY,
    subject       text,
    owner         text,
    opened_on     date,
    due_date      date,
    source_period text,
    verified_on   date
);

-- From the ledger, only what breaks records down when a record does not say:
-- a unit's product model, a customer's name and region.
CREATE TABLE units (
    unit_id       text PRIMARY KEY,
    customer_id   text NOT NULL,
    product_model text NOT NULL
);

CREATE TABLE customers (
    customer_id   text PRIMARY KEY,
    customer_name text,
    region        text
);
