-- A request's escalations by the request alone: a lookup that also binds the
-- status would make SQLite re-prepare it at every run (its plan depends on the
-- partial index escalations_one_open, whose predicate compares the status).
CREATE INDEX escalations_request ON escalations (request_id);
