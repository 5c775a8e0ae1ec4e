-- Every kind of information feedback form (complaint, service request,
-- problem report, suggestion) has the same lifecycle; a service request
-- names what it asks for.
ALTER TABLE ticket_states ADD COLUMN form text NOT NULL DEFAULT 'complaint';
ALTER TABLE ticket_states ADD COLUMN items text[] NOT NULL DEFAULT '{}';
