-- The feedback service's read model: tickets (信息反馈单) and CAPAs
-- (纠正预防措施) as the feedback topic tells them, rebuilt from the log. The
-- decisions are taken on the command side (the store schema).

CREATE TABLE tickets (
    ticket_id           text PRIMARY KEY,
    customer_id         text    NOT NULL,
    complaint_id        text    NOT NULL,
    visit_id            text    NOT NULL,
    record_no           text    NOT NULL,
    subject             text    NOT NULL,
    description         text    NOT NULL,
    customer_suggestion text    NOT NULL,
    informed            text[]  NOT NULL,
    department          text    NOT NULL,
    state               text    NOT NULL,
    assignee            text,
    opened_on           date    NOT NULL,
    first_assigned_on   date,
    assigned_on         date,
    resolution          text,
    resolved_on         date,
    resolutions         integer NOT NULL,
    verified_on         date,
    reopened_on         date,
    revisits            text[]  NOT NULL,
    -- SLA breaches announced with a ticket_overdue event
    overdue_announced   text[]  NOT NULL DEFAULT '{}',
    -- the number of state changes applied to the ticket (an SLA
    -- announcement is not one)
    version             integer NOT NULL
);
CREATE INDEX tickets_customer ON tickets (customer_id, ticket_id);
CREATE INDEX tickets_opened_on ON tickets (opened_on);

-- Every event applied to a ticket, with its actor: the ticket's history.
CREATE TABLE ticket_history (
    event_id    uuid    PRIMARY KEY,
    seq         bigint  GENERATED ALWAYS AS IDENTITY,
    ticket_id   text    NOT NULL,
    type        text    NOT NULL,
    actor       text    NOT NULL,
    on_date     date    NOT NULL,
    detail      jsonb   NOT NULL
);
CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, seq);

CREATE TABLE capas (
    capa_id       text PRIMARY KEY,
    subject       text    NOT NULL,
    owner         text    NOT NULL,
    action        text    NOT NULL,
    opened_on     date    NOT NULL,
    due_date      date    NOT NULL,
    source_period text,
    ticket_ids    text[]  NOT NULL,
    state         text    NOT NULL,
    verified_on   date,
    evidence      text,
    opened_by     text    NOT NULL,
    verified_by   text,
    version       integer NOT NULL
);
CREATE INDEX capas_opened_on ON capas (opened_on);
