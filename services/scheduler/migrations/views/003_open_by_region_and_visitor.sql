-- Issue 14: the open visits by region and by visitor, in the lists' order
-- (due date, visit id), so that the worklist of a region, a visitor's
-- calendar and a filtered page of due visits read their own open visits
-- only, not every open visit up to the day.
CREATE INDEX visits_open_region ON visits (region, due_date, visit_id)
    WHERE status IN ('planned', 'escalated');
CREATE INDEX visits_open_visitor ON visits (visitor, due_date, visit_id)
    WHERE status IN ('planned', 'escalated') AND visitor IS NOT NULL;
