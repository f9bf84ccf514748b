DROP FUNCTION take_reference_number(TEXT, INTEGER);

CREATE OR REPLACE FUNCTION stat_facts_count() RETURNS trigger AS $$
BEGIN
    INSERT INTO stat_months (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, n)
    VALUES (NEW.jurisdiction_id, NEW.day / 100, NEW.agency_id, NEW.kind, NEW.detail, NEW.timeliness,
            NEW.working_days, NEW.hours, 1)
    ON CONFLICT (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours)
    DO UPDATE SET n = stat_months.n + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TABLE stat_months_folded AS
    SELECT jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours, sum(n)::bigint AS n
    FROM stat_months GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
DELETE FROM stat_months;
ALTER TABLE stat_months DROP CONSTRAINT stat_months_pkey;
ALTER TABLE stat_months DROP COLUMN slot;
INSERT INTO stat_months SELECT * FROM stat_months_folded;
DROP TABLE stat_months_folded;
ALTER TABLE stat_months
    ADD PRIMARY KEY (jurisdiction_id, month, agency_id, kind, detail, timeliness, working_days, hours);

CREATE OR REPLACE FUNCTION request_counts_keep() RETURNS trigger AS $$
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
DELETE FROM request_counts;
ALTER TABLE request_counts DROP CONSTRAINT request_counts_pkey;
ALTER TABLE request_counts DROP COLUMN slot;
INSERT INTO request_counts (agency_id, status, n)
    SELECT agency_id, status, count(*) FROM requests GROUP BY agency_id, status;
ALTER TABLE request_counts ADD PRIMARY KEY (agency_id, status);

DROP FUNCTION count_slot(TEXT);
