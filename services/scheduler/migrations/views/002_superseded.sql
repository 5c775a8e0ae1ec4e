-- Issue 16: `superseded`, a visit a later record of its unit made moot.
ALTER TABLE visits DROP CONSTRAINT visits_status_check;
ALTER TABLE visits ADD CONSTRAINT visits_status_check
    CHECK (status IN ('planned', 'escalated', 'done', 'cancelled', 'superseded'));
