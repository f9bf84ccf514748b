ALTER TABLE outbox ALTER COLUMN body_text SET COMPRESSION DEFAULT,
                   ALTER COLUMN body_html SET COMPRESSION DEFAULT;
ALTER TABLE request_events ALTER COLUMN body SET COMPRESSION DEFAULT;
ALTER TABLE requests ALTER COLUMN body SET COMPRESSION DEFAULT,
                     ALTER COLUMN search_text SET COMPRESSION DEFAULT;

DROP TRIGGER stat_facts_count ON stat_facts;
DROP FUNCTION stat_facts_count();
CREATE FUNCTION stat_facts_count() RETURNS trigger AS $$
BEGIN
    INSERT INTO stat_months (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, slot, n)
    VALUES (NEW.jurisdiction_id, NEW.day / 100, NEW.agency_id, NEW.kind, NEW.detail, NEW.timeliness,
            NEW.working_days, NEW.hours, count_slot(NEW.request_id), 1)
    ON CONFLICT (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, slot)
    DO UPDATE SET n = stat_months.n + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER stat_facts_count AFTER INSERT ON stat_facts
    FOR EACH ROW EXECUTE FUNCTION stat_facts_count();
