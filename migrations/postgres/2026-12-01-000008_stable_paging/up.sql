-- Stable paging: every paged list ends its order with the row's id, so rows
-- that tie on the other keys (the hundreds of escalations one sweep opens at
-- one instant) come back in one order on every page: none twice, none never.
-- Each list's index holds its whole order, id included, so a page is still
-- read from the index in order, without a sort.
DROP INDEX requests_agency_queue;
DROP INDEX requests_reporter_queue;
DROP INDEX requests_jurisdiction_queue;
CREATE INDEX requests_agency_queue ON requests (agency_id, queue_rank, queue_due, received_at DESC, id DESC);
CREATE INDEX requests_reporter_queue ON requests (reporter_id, queue_rank, queue_due, received_at DESC, id DESC);
CREATE INDEX requests_jurisdiction_queue ON requests (jurisdiction_id, queue_rank, queue_due, received_at DESC, id DESC);

-- The Department's queue: open escalations first, then by review deadline,
-- newest first, then by id. "Open first" as a stored column, like the inbox's
-- queue_rank, so the index can hold it.
ALTER TABLE escalations ADD COLUMN queue_rank SMALLINT NOT NULL GENERATED ALWAYS AS
    (CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END) STORED;
DROP INDEX escalations_jurisdiction;
CREATE INDEX escalations_queue ON escalations (jurisdiction_id, queue_rank, due_at, opened_at DESC, id DESC);

-- Escalations that earlier transfers to another province left behind belong to
-- the Department of the request's province now (a transfer moves them since).
UPDATE escalations SET jurisdiction_id = (SELECT r.jurisdiction_id FROM requests r WHERE r.id = escalations.request_id)
WHERE jurisdiction_id <> (SELECT r.jurisdiction_id FROM requests r WHERE r.id = escalations.request_id);
