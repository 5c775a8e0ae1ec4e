-- Issue 16 (the regulation, item by item): what the report now counts.

-- New needs and business opportunities noted on on-site visits.
ALTER TABLE visit_records ADD COLUMN opportunities text NOT NULL DEFAULT '';

-- A visit superseded by a later record of its unit is missed; overdue visits
-- count in the period their latest date passed.
ALTER TABLE visits ADD COLUMN superseded_on date;
CREATE INDEX visits_latest_date ON visits (latest_date);
CREATE INDEX visits_superseded_on ON visits (superseded_on);

-- The kind of information feedback form.
ALTER TABLE tickets ADD COLUMN form text NOT NULL DEFAULT 'complaint';

-- The report review a CAPA came from.
ALTER TABLE capas ADD COLUMN review_id text;
CREATE INDEX capas_review ON capas (review_id) WHERE review_id IS NOT NULL;

-- Companies (business units) by contract, units by contract, customers' tags.
CREATE TABLE contracts (
    contract_id text PRIMARY KEY,
    customer_id text NOT NULL,
    company     text
);
CREATE INDEX contracts_customer ON contracts (customer_id);
ALTER TABLE units ADD COLUMN contract_id text;
ALTER TABLE customers ADD COLUMN strength text;
ALTER TABLE customers ADD COLUMN decision_maker text;
ALTER TABLE customers ADD COLUMN interest text;
ALTER TABLE customers ADD COLUMN cooperation text;

-- Each review (评审) of a part of a monthly report (the reporting topic).
CREATE TABLE reviews (
    review_id   text PRIMARY KEY,
    period      text    NOT NULL,
    part        text    NOT NULL,
    company     text,
    reviewer    text    NOT NULL,
    reviewed_on date    NOT NULL,
    capa_needed boolean NOT NULL,
    reason      text    NOT NULL
);
CREATE INDEX reviews_period ON reviews (period);
