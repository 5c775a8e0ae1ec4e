-- Issue 14: tickets of one status, by id (`GET /v1/tickets?status=`), a page
-- at a time without reading the others.
CREATE INDEX tickets_state ON tickets (state, ticket_id);
