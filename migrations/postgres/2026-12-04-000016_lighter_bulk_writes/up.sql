-- 1. Mail bodies (a few kilobytes of text and HTML each, two or more per filing
-- and per overdue request) are compressed when a row is stored. lz4 costs a
-- fraction of the CPU of the default pglz for a similar size on such text.
-- Rows already stored keep their compression; a server built without lz4
-- keeps pglz.
DO $$
BEGIN
    ALTER TABLE outbox ALTER COLUMN body_text SET COMPRESSION lz4,
                       ALTER COLUMN body_html SET COMPRESSION lz4;
    ALTER TABLE request_events ALTER COLUMN body SET COMPRESSION lz4;
    ALTER TABLE requests ALTER COLUMN body SET COMPRESSION lz4,
                         ALTER COLUMN search_text SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available: mail bodies stay compressed with pglz';
END
$$;

-- 2. The monthly counts of the statistics are kept by one statement per insert
-- of facts instead of one per fact: a sweep's batch inserts hundreds of facts
-- that add to a few count rows, which the row trigger updated once per fact
-- (hundreds of new row versions of the same rows, their locks held until the
-- batch commits). The statement trigger adds each count row's share at once,
-- taking the count rows in one order: that of `fact_order` in the sweep
-- (bytewise, hence COLLATE "C"), so a writer whose facts take more than one
-- statement still takes its locks in the same order as every other.
DROP TRIGGER stat_facts_count ON stat_facts;
DROP FUNCTION stat_facts_count();
CREATE FUNCTION stat_facts_count() RETURNS trigger AS $$
BEGIN
    INSERT INTO stat_months (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, slot, n)
    SELECT jurisdiction_id, day / 100, agency_id, kind, detail, timeliness, working_days, hours,
           count_slot(request_id), count(*)
    FROM new_facts
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ORDER BY jurisdiction_id COLLATE "C", agency_id COLLATE "C", 2, kind COLLATE "C", detail COLLATE "C",
             timeliness COLLATE "C", 7, 8, 9
    ON CONFLICT (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, slot)
    DO UPDATE SET n = stat_months.n + EXCLUDED.n;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER stat_facts_count AFTER INSERT ON stat_facts
    REFERENCING NEW TABLE AS new_facts
    FOR EACH STATEMENT EXECUTE FUNCTION stat_facts_count();
