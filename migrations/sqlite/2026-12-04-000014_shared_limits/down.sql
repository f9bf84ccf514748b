DROP INDEX attachments_sha256;
DROP TABLE rate_limit_windows;
