-- Issue 16: a record's satisfaction by the rule beside the visitor's overall
-- ratings, the business opportunities noted on site, and the kind of each
-- information feedback form a record raises with what it asks for.
ALTER TABLE visit_records
    ADD COLUMN overall_product_quality text,
    ADD COLUMN overall_service_quality text,
    ADD COLUMN opportunities text NOT NULL DEFAULT '';

ALTER TABLE complaints
    ADD COLUMN form  text   NOT NULL DEFAULT 'complaint',
    ADD COLUMN items text[] NOT NULL DEFAULT '{}';

-- A service visit looks up the unit it is about.
CREATE INDEX visits_unit ON visits (unit_id);
