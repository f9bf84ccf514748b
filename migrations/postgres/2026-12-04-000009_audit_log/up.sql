-- Administrative changes (accounts, agencies, spokespeople, jurisdictions,
-- calendars, mails sent again): who, when, what, before and after. Append-only:
-- the trigger refuses any change to a written row, so the log cannot be edited
-- from the application.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    -- NULL for the command line and the system itself.
    actor_id TEXT REFERENCES users (id),
    -- The province the change concerns (NULL: the whole installation); staff
    -- read their own province's entries.
    jurisdiction_id TEXT REFERENCES jurisdictions (id),
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    -- JSON objects, or NULL for a creation (before) or a removal (after).
    before TEXT,
    after TEXT
);
CREATE INDEX audit_log_by_time ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_by_jurisdiction ON audit_log (jurisdiction_id, at DESC, id DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
