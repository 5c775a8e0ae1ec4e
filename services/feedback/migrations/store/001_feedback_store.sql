-- The feedback service's command side: authoritative, never dropped by a
-- rebuild. Commands and event reactions decide against these rows (locked
-- FOR UPDATE) in the transaction that writes their events to the outbox.

-- Each ticket (信息反馈单) as its lifecycle stands; `version` counts the
-- state changes (ticket_opened is 1), the optimistic-concurrency token.
CREATE TABLE ticket_states (
    ticket_id          text PRIMARY KEY,
    customer_id        text    NOT NULL,
    subject            text    NOT NULL,
    department         text    NOT NULL,
    informed           text[]  NOT NULL,
    opened_on          date    NOT NULL,
    state              text    NOT NULL,
    assignee           text,
    first_assigned_on  date,
    assigned_on        date,
    resolution         text,
    resolved_on        date,
    resolutions        integer NOT NULL,
    verified_on        date,
    reopened_on        date,
    revisits           text[]  NOT NULL,
    version            integer NOT NULL
);

-- Each CAPA (纠正预防措施) as it stands.
CREATE TABLE capa_states (
    capa_id      text PRIMARY KEY,
    subject      text    NOT NULL,
    owner        text    NOT NULL,
    action       text    NOT NULL,
    opened_on    date    NOT NULL,
    due_date     date    NOT NULL,
    state        text    NOT NULL,
    verified_on  date,
    evidence     text,
    version      integer NOT NULL
);

-- Re-visit records of tickets (survey topic). One waits here, unsettled,
-- until its ticket is resolved on or before the re-visit's date; the
-- resolution (or the re-visit itself, if it comes later) then settles it.
CREATE TABLE pending_revisits (
    record_no       text PRIMARY KEY,
    ticket_id       text    NOT NULL,
    customer_id     text    NOT NULL,
    visited_on      date    NOT NULL,
    product_quality text,
    service_quality text,
    cause_event_id  uuid    NOT NULL,
    correlation_id  uuid    NOT NULL,
    settled         boolean NOT NULL DEFAULT false
);
CREATE INDEX pending_revisits_ticket ON pending_revisits (ticket_id)
    WHERE NOT settled;

-- Each SLA breach of a ticket announced (ticket_overdue), once.
CREATE TABLE sla_announcements (
    ticket_id    text NOT NULL,
    breach       text NOT NULL,
    announced_on date NOT NULL,
    PRIMARY KEY (ticket_id, breach)
);
