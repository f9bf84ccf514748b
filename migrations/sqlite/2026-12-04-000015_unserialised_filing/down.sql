DROP TRIGGER stat_facts_count;
CREATE TABLE stat_months_folded (
    jurisdiction_id TEXT NOT NULL,
    month INTEGER NOT NULL,
    agency_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    timeliness TEXT NOT NULL,
    working_days INTEGER NOT NULL,
    hours INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours)
);
INSERT INTO stat_months_folded
    SELECT jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, sum(n)
    FROM stat_months GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
DROP TABLE stat_months;
ALTER TABLE stat_months_folded RENAME TO stat_months;
CREATE TRIGGER stat_facts_count AFTER INSERT ON stat_facts
BEGIN
    INSERT INTO stat_months (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, n)
    VALUES (NEW.jurisdiction_id, NEW.day / 100, NEW.agency_id, NEW.kind, NEW.detail, NEW.timeliness,
            NEW.working_days, NEW.hours, 1)
    ON CONFLICT (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours)
    DO UPDATE SET n = n + 1;
END;

DROP TRIGGER request_counts_insert;
DROP TRIGGER request_counts_delete;
DROP TRIGGER request_counts_update;
CREATE TABLE request_counts_folded (
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (agency_id, status)
);
INSERT INTO request_counts_folded (agency_id, status, n)
    SELECT agency_id, status, sum(n) FROM request_counts GROUP BY agency_id, status;
DROP TABLE request_counts;
ALTER TABLE request_counts_folded RENAME TO request_counts;
CREATE TRIGGER request_counts_insert AFTER INSERT ON requests BEGIN
    INSERT INTO request_counts (agency_id, status, n) VALUES (NEW.agency_id, NEW.status, 1)
        ON CONFLICT (agency_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER request_counts_delete AFTER DELETE ON requests BEGIN
    UPDATE request_counts SET n = n - 1 WHERE agency_id = OLD.agency_id AND status = OLD.status;
END;
CREATE TRIGGER request_counts_update AFTER UPDATE OF agency_id, status ON requests
    WHEN OLD.agency_id IS NOT NEW.agency_id OR OLD.status IS NOT NEW.status BEGIN
    UPDATE request_counts SET n = n - 1 WHERE agency_id = OLD.agency_id AND status = OLD.status;
    INSERT INTO request_counts (agency_id, status, n) VALUES (NEW.agency_id, NEW.status, 1)
        ON CONFLICT (agency_id, status) DO UPDATE SET n = n + 1;
END;
