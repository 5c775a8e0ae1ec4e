-- Issue 16: a record supersedes the unit's open visits that fell due before
-- it (status `superseded`, closed for good, counted as missed).
ALTER TABLE visit_plans DROP CONSTRAINT visit_plans_status_check;
ALTER TABLE visit_plans ADD CONSTRAINT visit_plans_status_check
    CHECK (status IN ('planned', 'escalated', 'done', 'cancelled', 'superseded'));

-- The people to call about a customer's visits, as the ledger gave them: a
-- contract's power-management and substation contacts, a retail order's
-- phone. Shown in the calendar feed (where the reader may see them).
CREATE TABLE contacts (
    customer_id text NOT NULL,
    source_id   text NOT NULL,  -- the contract or the retail order
    role        text NOT NULL CHECK (role IN ('power', 'substation', 'retail')),
    name        text,
    phone       text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, source_id, role)
);
