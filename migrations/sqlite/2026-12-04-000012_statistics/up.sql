-- The Department's statistics are facts taken from the timeline as each event
-- is written: who received, answered, refused, transferred, when, and whether
-- on time by the due instant in force at that moment. A later calendar edit, a
-- transfer or a reopened request adds facts; it never rewrites earlier ones.
-- Append-only, like the timeline they come from.
CREATE TABLE stat_facts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL,
    jurisdiction_id TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    -- The local (Asia/Ho_Chi_Minh) date as yyyymmdd: periods are local days.
    day INTEGER NOT NULL,
    kind TEXT NOT NULL,
    -- The outcome of an answer, the ground of a refusal, the reason of an
    -- escalation; '' otherwise.
    detail TEXT NOT NULL DEFAULT '',
    -- The verdict on the request's first deadline ('on_time', 'late'), given
    -- once per request by its first response or its overdue mark; '' otherwise.
    timeliness TEXT NOT NULL DEFAULT '',
    -- For the first response: working days from the latest receipt on the
    -- calendar in force, and hours (whole hours under 48, whole days beyond,
    -- in hours). -1 otherwise.
    working_days INTEGER NOT NULL DEFAULT -1,
    hours INTEGER NOT NULL DEFAULT -1
);
CREATE INDEX stat_facts_by_request ON stat_facts (request_id);
CREATE INDEX stat_facts_by_day ON stat_facts (jurisdiction_id, day, agency_id, kind, detail, timeliness, working_days, hours);

-- The same facts counted by local month, kept by the trigger in the writing
-- transaction: a quarter's or a year's figures read a few thousand rows
-- whatever the number of requests.
CREATE TABLE stat_months (
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

CREATE TRIGGER stat_facts_count AFTER INSERT ON stat_facts
BEGIN
    INSERT INTO stat_months (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, n)
    VALUES (NEW.jurisdiction_id, NEW.day / 100, NEW.agency_id, NEW.kind, NEW.detail, NEW.timeliness,
            NEW.working_days, NEW.hours, 1)
    ON CONFLICT (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours)
    DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER stat_facts_append_only_update BEFORE UPDATE ON stat_facts
BEGIN
    SELECT RAISE(ABORT, 'stat_facts is append-only');
END;
CREATE TRIGGER stat_facts_append_only_delete BEFORE DELETE ON stat_facts
BEGIN
    SELECT RAISE(ABORT, 'stat_facts is append-only');
END;

-- A province's public scoreboard is off until an administrator switches it on.
ALTER TABLE jurisdictions ADD COLUMN scoreboard_public BOOLEAN NOT NULL DEFAULT 0 CHECK (scoreboard_public IN (0, 1));
