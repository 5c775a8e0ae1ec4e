-- Issue 14: a page of the worklist groups a region's open visits into
-- batches before it reads the page's visits; with the columns the grouping
-- needs in the index (INCLUDE), that read is an index-only scan instead of a
-- heap visit per open visit. It replaces 003's index of the same key.
DROP INDEX IF EXISTS visits_open_region;
CREATE INDEX visits_open_region ON visits (region, due_date, visit_id)
    INCLUDE (status, kind, channel, latest_date, store_id, failed_attempts, visitor)
    WHERE status IN ('planned', 'escalated');
