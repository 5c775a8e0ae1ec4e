-- The kind of each form and what a service request asks for; the report
-- review (评审) a CAPA came from.
ALTER TABLE tickets ADD COLUMN form text NOT NULL DEFAULT 'complaint';
ALTER TABLE tickets ADD COLUMN items text[] NOT NULL DEFAULT '{}';
CREATE INDEX tickets_form ON tickets (form, ticket_id);
ALTER TABLE capas ADD COLUMN review_id text;
