-- The inbox order as generated columns, so that a page of a large inbox is
-- read from an index in order instead of sorting every request of the agency:
-- open requests with a running clock first (most urgent first), then paused
-- ones, then finished ones, newest first within each. (SQLite adds generated
-- columns only as VIRTUAL; an index on them stores the values.)
ALTER TABLE requests ADD COLUMN queue_rank INTEGER NOT NULL GENERATED ALWAYS AS
    (CASE WHEN finished_at IS NOT NULL THEN 2 WHEN due_at IS NULL THEN 1 ELSE 0 END) VIRTUAL;
ALTER TABLE requests ADD COLUMN queue_due TIMESTAMP GENERATED ALWAYS AS
    (CASE WHEN finished_at IS NULL THEN due_at END) VIRTUAL;

DROP INDEX requests_agency_due;
DROP INDEX requests_reporter;
DROP INDEX requests_jurisdiction;
CREATE INDEX requests_agency_queue ON requests (agency_id, queue_rank, queue_due, received_at DESC);
CREATE INDEX requests_reporter_queue ON requests (reporter_id, queue_rank, queue_due, received_at DESC);
CREATE INDEX requests_jurisdiction_queue ON requests (jurisdiction_id, queue_rank, queue_due, received_at DESC);

-- How many requests each agency holds in each status, kept by the database
-- itself in the writing transaction, so a list's total is a lookup instead of
-- a count over every row.
CREATE TABLE request_counts (
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (agency_id, status)
);
INSERT INTO request_counts (agency_id, status, n)
    SELECT agency_id, status, count(*) FROM requests GROUP BY agency_id, status;

CREATE TRIGGER request_counts_insert AFTER INSERT ON requests BEGIN
    INSERT INTO request_counts (agency_id, status, n) VALUES (NEW.agency_id, NEW.status, 1)
        ON CONFLICT (agency_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER request_counts_delete AFTER DELETE ON requests BEGIN
    UPDATE request_counts SET n = n - 1 WHERE agency_id = OLD.agency_id AND status = OLD.status;
END;
-- Every state write sets these columns; only a real change moves a count.
CREATE TRIGGER request_counts_update AFTER UPDATE OF agency_id, status ON requests
    WHEN OLD.agency_id IS NOT NEW.agency_id OR OLD.status IS NOT NEW.status BEGIN
    UPDATE request_counts SET n = n - 1 WHERE agency_id = OLD.agency_id AND status = OLD.status;
    INSERT INTO request_counts (agency_id, status, n) VALUES (NEW.agency_id, NEW.status, 1)
        ON CONFLICT (agency_id, status) DO UPDATE SET n = n + 1;
END;
