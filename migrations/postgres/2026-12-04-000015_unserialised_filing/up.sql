-- Filing without rows that every filing of a province or an agency must lock
-- until it commits.
--
-- 1. Counts in slots. The per-agency, per-status request counts and the
--    monthly statistics were one row per key, bumped by a trigger in the
--    writing transaction and so locked by it until commit: two filings for one
--    agency queued on that row for a whole commit. Each key now has up to 16
--    rows (`slot`), a request's changes going to the slot its id picks, and
--    readers add the slots up, so the totals stay exact.
-- 2. Reference numbers outside the filing's transaction (see
--    take_reference_number below).

-- The slot of a request: from its id, so every change of one request moves
-- the same slot (SHA-256, unlike hashtext, is the same on every server
-- version, and db::count_slot computes it in Rust for writers that order
-- their locks).
CREATE FUNCTION count_slot(id TEXT) RETURNS SMALLINT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (get_byte(sha256(convert_to(id, 'UTF8')), 0) & 15)::smallint $$;

ALTER TABLE request_counts ADD COLUMN slot SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE request_counts DROP CONSTRAINT request_counts_pkey;
DELETE FROM request_counts;
INSERT INTO request_counts (agency_id, status, slot, n)
    SELECT agency_id, status, count_slot(id), count(*) FROM requests GROUP BY 1, 2, 3;
ALTER TABLE request_counts ALTER COLUMN slot DROP DEFAULT;
ALTER TABLE request_counts ADD PRIMARY KEY (agency_id, status, slot);

CREATE OR REPLACE FUNCTION request_counts_keep() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE request_counts SET n = n - 1
            WHERE agency_id = OLD.agency_id AND status = OLD.status AND slot = count_slot(OLD.id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO request_counts (agency_id, status, slot, n)
            VALUES (NEW.agency_id, NEW.status, count_slot(NEW.id), 1)
            ON CONFLICT (agency_id, status, slot) DO UPDATE SET n = request_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

-- The monthly counts only ever grow, so the rows counted so far can stay as
-- they are, in slot 0.
ALTER TABLE stat_months ADD COLUMN slot SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE stat_months DROP CONSTRAINT stat_months_pkey;
ALTER TABLE stat_months ALTER COLUMN slot DROP DEFAULT;
ALTER TABLE stat_months
    ADD PRIMARY KEY (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, slot);

CREATE OR REPLACE FUNCTION stat_facts_count() RETURNS trigger AS $$
BEGIN
    INSERT INTO stat_months (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, slot, n)
    VALUES (NEW.jurisdiction_id, NEW.day / 100, NEW.agency_id, NEW.kind, NEW.detail, NEW.timeliness,
            NEW.working_days, NEW.hours, count_slot(NEW.request_id), 1)
    ON CONFLICT (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, slot)
    DO UPDATE SET n = stat_months.n + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- The next reference number of a province's year, taken in a transaction of
-- its own before the filing's: the counter row is locked only for this one
-- statement instead of until the filing commits. Called alone (autocommit),
-- the statement is its own transaction, committed without waiting for the
-- disk (`synchronous_commit` off for it alone): the filing that uses the
-- number commits synchronously afterwards, which flushes the log up to and
-- including this earlier commit; if the server stops before that, the number
-- was never used. A filing that fails after taking its number leaves a gap.
CREATE FUNCTION take_reference_number(jurisdiction TEXT, of_year INTEGER) RETURNS INTEGER
    LANGUAGE sql VOLATILE AS $$
    SELECT set_config('synchronous_commit', 'off', true);
    INSERT INTO reference_counters AS c (jurisdiction_id, year, last_value) VALUES (jurisdiction, of_year, 1)
        ON CONFLICT (jurisdiction_id, year) DO UPDATE SET last_value = c.last_value + 1
        RETURNING c.last_value;
$$;
