-- The inbox order as stored columns, so that a page of a large inbox is read
-- from an index in order instead of sorting every request of the agency:
-- open requests with a running clock first (most urgent first), then paused
-- ones, then finished ones, newest first within each.
ALTER TABLE requests ADD COLUMN queue_rank SMALLINT NOT NULL GENERATED ALWAYS AS
    (CASE WHEN finished_at IS NOT NULL THEN 2 WHEN due_at IS NULL THEN 1 ELSE 0 END) STORED;
ALTER TABLE requests ADD COLUMN queue_due TIMESTAMP GENERATED ALWAYS AS
    (CASE WHEN finished_at IS NULL THEN due_at END) STORED;

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

CREATE FUNCTION request_counts_keep() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE request_counts SET n = n - 1 WHERE agency_id = OLD.agency_id AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO request_counts (agency_id, status, n) VALUES (NEW.agency_id, NEW.status, 1)
            ON CONFLICT (agency_id, status) DO UPDATE SET n = request_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER request_counts_insert AFTER INSERT ON requests
    FOR EACH ROW EXECUTE FUNCTION request_counts_keep();
CREATE TRIGGER request_counts_delete AFTER DELETE ON requests
    FOR EACH ROW EXECUTE FUNCTION request_counts_keep();
-- Every state write sets these columns; only a real change moves a count.
CREATE TRIGGER request_counts_update AFTER UPDATE OF agency_id, status ON requests
    FOR EACH ROW WHEN (OLD.agency_id IS DISTINCT FROM NEW.agency_id OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION request_counts_keep();
