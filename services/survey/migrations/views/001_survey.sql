-- The survey's read model: the visits it may record (from the schedule topic)
-- and its own records, attempts and complaints (from the survey topic).
-- Derived only from the log and dropped by a rebuild; what the commands decide
-- against lives in the store schema (migrations/store/).

-- A visit as the scheduler planned it. Survey events may be applied before
-- the schedule events of the same visit (two topics, no order between them,
-- e.g. on a rebuild), so a record creates the row if needed and every
-- planning column is nullable.
CREATE TABLE visits (
    visit_id      text PRIMARY KEY,
    customer_id   text NOT NULL,
    kind          text,
    due_date      date,
    latest_date   date,
    channel       text,
    unit_id       text,
    order_id      text,
    store_id      text,
    ticket_id     text,
    region        text,
    product_model text,
    -- open | escalated | done | cancelled
    status        text NOT NULL DEFAULT 'open',
    escalated_to  text,
    record_no     text
);
CREATE INDEX visits_customer ON visits (customer_id);

CREATE TABLE visit_records (
    record_no             text PRIMARY KEY,
    month                 text    NOT NULL,  -- YYYY-MM of the visit
    customer_id           text    NOT NULL,
    visit_id              text    NOT NULL,
    kind                  text    NOT NULL,
    visited_on            date    NOT NULL,
    visitor               text    NOT NULL,
    channel               text    NOT NULL,
    answers               jsonb   NOT NULL,
    product_quality       text,
    service_quality       text,
    suggestions           text    NOT NULL,
    needs                 text    NOT NULL,
    post_warranty_service text[]  NOT NULL,
    unresolved_by_phone   boolean NOT NULL,
    score                 integer NOT NULL,
    unit_id               text,
    order_id              text,
    store_id              text,
    ticket_id             text,
    product_model         text,
    region                text
);
CREATE INDEX visit_records_customer ON visit_records (customer_id, record_no);
CREATE INDEX visit_records_month ON visit_records (month, record_no);

CREATE TABLE complaints (
    complaint_id        text PRIMARY KEY,
    record_no           text NOT NULL,
    customer_id         text NOT NULL,
    visit_id            text NOT NULL,
    subject             text NOT NULL,
    description         text NOT NULL,
    customer_suggestion text NOT NULL,
    raised_on           date NOT NULL
);
CREATE INDEX complaints_record ON complaints (record_no);

CREATE TABLE attempts (
    visit_id     text    NOT NULL,
    attempt_no   integer NOT NULL,
    customer_id  text    NOT NULL,
    attempted_on date    NOT NULL,
    visitor      text    NOT NULL,
    reason       text    NOT NULL,
    note         text    NOT NULL,
    month        text    NOT NULL,  -- YYYY-MM of the attempt
    PRIMARY KEY (visit_id, attempt_no)
);
CREATE INDEX attempts_customer ON attempts (customer_id, attempted_on);
CREATE INDEX attempts_month ON attempts (month, attempted_on);
