-- The feedback service's read model: tickets (信息反馈单) and CAPAs
-- (纠正预防措施), changed only by events of the feedback topic; the re-visits
-- read from the survey topic; and the claims the API and the SLA check write
-- so that two replicas never append conflicting events.

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

-- Re-visit records of tickets (survey topic). One waits here, unsettled,
-- when it is read before the resolution it follows (two topics, no order
-- between them); applying that resolution then settles it.
CREATE TABLE revisits (
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
CREATE INDEX revisits_ticket ON revisits (ticket_id) WHERE NOT settled;

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

-- Written by the API before it appends a ticket or CAPA event: the event
-- that makes version N of an entity. Two replicas validating against the
-- same version cannot both append; the projection claims every version it
-- applies, so the claims survive a rebuild.
CREATE TABLE claims (
    entity_id text    NOT NULL,
    version   integer NOT NULL,
    PRIMARY KEY (entity_id, version)
);

-- Written by the SLA check before it announces a breach, so that replicas
-- running the check at once announce each breach of a ticket once.
CREATE TABLE overdue_claims (
    ticket_id text NOT NULL,
    breach    text NOT NULL,
    PRIMARY KEY (ticket_id, breach)
);
