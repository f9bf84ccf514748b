-- The escalations moved to their request's province stay there.
DROP INDEX escalations_queue;
CREATE INDEX escalations_jurisdiction ON escalations (jurisdiction_id, status, opened_at);
ALTER TABLE escalations DROP COLUMN queue_rank;
DROP INDEX requests_jurisdiction_queue;
DROP INDEX requests_reporter_queue;
DROP INDEX requests_agency_queue;
CREATE INDEX requests_agency_queue ON requests (agency_id, queue_rank, queue_due, received_at DESC);
CREATE INDEX requests_reporter_queue ON requests (reporter_id, queue_rank, queue_due, received_at DESC);
CREATE INDEX requests_jurisdiction_queue ON requests (jurisdiction_id, queue_rank, queue_due, received_at DESC);
