-- The counts keep a slot column, as on PostgreSQL, where a key's count is
-- spread over up to 16 rows so that concurrent filings for one agency do not
-- queue on one row until they commit. SQLite has one writer at a time, so
-- its triggers use slot 0 only; readers add the slots up on both databases.
-- (Reference numbers stay inside the filing's transaction here: numbered
-- under the one writer's lock, without gaps.)

DROP TRIGGER request_counts_insert;
DROP TRIGGER request_counts_delete;
DROP TRIGGER request_counts_update;
CREATE TABLE request_counts_slotted (
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    status TEXT NOT NULL,
    slot INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (agency_id, status, slot)
);
INSERT INTO request_counts_slotted (agency_id, status, slot, n) SELECT agency_id, status, 0, n FROM request_counts;
DROP TABLE request_counts;
ALTER TABLE request_counts_slotted RENAME TO request_counts;

CREATE TRIGGER request_counts_insert AFTER INSERT ON requests BEGIN
    INSERT INTO request_counts (agency_id, status, slot, n) VALUES (NEW.agency_id, NEW.status, 0, 1)
        ON CONFLICT (agency_id, status, slot) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER request_counts_delete AFTER DELETE ON requests BEGIN
    UPDATE request_counts SET n = n - 1 WHERE agency_id = OLD.agency_id AND status = OLD.status AND slot = 0;
END;
-- Every state write sets these columns; only a real change moves a count.
CREATE TRIGGER request_counts_update AFTER UPDATE OF agency_id, status ON requests
    WHEN OLD.agency_id IS NOT NEW.agency_id OR OLD.status IS NOT NEW.status BEGIN
    UPDATE request_counts SET n = n - 1 WHERE agency_id = OLD.agency_id AND status = OLD.status AND slot = 0;
    INSERT INTO request_counts (agency_id, status, slot, n) VALUES (NEW.agency_id, NEW.status, 0, 1)
        ON CONFLICT (agency_id, status, slot) DO UPDATE SET n = n + 1;
END;

DROP TRIGGER stat_facts_count;
CREATE TABLE stat_months_slotted (
    jurisdiction_id TEXT NOT NULL,
    month INTEGER NOT NULL,
    agency_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    timeliness TEXT NOT NULL,
    working_days INTEGER NOT NULL,
    hours INTEGER NOT NULL,
    slot INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, slot)
);
INSERT INTO stat_months_slotted
    SELECT jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, 0, n FROM stat_months;
DROP TABLE stat_months;
ALTER TABLE stat_months_slotted RENAME TO stat_months;

CREATE TRIGGER stat_facts_count AFTER INSERT ON stat_facts
BEGIN
    INSERT INTO stat_months (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, slot, n)
    VALUES (NEW.jurisdiction_id, NEW.day / 100, NEW.agency_id, NEW.kind, NEW.detail, NEW.timeliness,
            NEW.working_days, NEW.hours, 0, 1)
    ON CONFLICT (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, slot)
    DO UPDATE SET n = n + 1;
END;
