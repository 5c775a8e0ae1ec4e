-- SLA breaches of feedback forms (`ticket_overdue`, announced once per
-- ticket and kind by feedback's SLA sweep). A breach happened the day after
-- its deadline, whenever it was announced; `department` is the one holding
-- the ticket when it was announced, `subject` decides its form when the
-- ticket's opening is not known here yet.
CREATE TABLE sla_breaches (
    ticket_id    text NOT NULL,
    breach       text NOT NULL,
    department   text NOT NULL,
    subject      text NOT NULL,
    deadline     date NOT NULL,
    announced_on date NOT NULL,
    PRIMARY KEY (ticket_id, breach)
);
CREATE INDEX sla_breaches_deadline ON sla_breaches (deadline);
