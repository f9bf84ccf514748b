-- Mail bodies (a few kilobytes of text and HTML each, two or more per filing
-- and per overdue request) are compressed when a row is stored. lz4 costs a
-- fraction of the CPU of the default pglz for a similar size on such text.
-- Rows already stored keep their compression; a server built without lz4
-- keeps pglz.
DO $$
BEGIN
    ALTER TABLE outbox ALTER COLUMN body_text SET COMPRESSION lz4,
                       ALTER COLUMN body_html SET COMPRESSION lz4;
    ALTER TABLE request_events ALTER COLUMN body SET COMPRESSION lz4;
    ALTER TABLE requests ALTER COLUMN body SET COMPRESSION lz4,
                         ALTER COLUMN search_text SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available: mail bodies stay compressed with pglz';
END
$$;
