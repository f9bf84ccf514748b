-- Attempts counted per (limit, client address) in fixed windows, shared by
-- every instance on the database (TIEPCAN_SHARED_LIMITS=database). The key is
-- a hash: the table holds no address in clear.
CREATE TABLE rate_limit_windows (
    key TEXT PRIMARY KEY,
    window_start TIMESTAMP NOT NULL,
    hits INTEGER NOT NULL
);
CREATE INDEX rate_limit_windows_start ON rate_limit_windows (window_start);

-- The orphan-file cleanup asks which stored files some attachment names.
CREATE INDEX attachments_sha256 ON attachments (sha256);
