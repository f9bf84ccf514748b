-- The request lifecycle: requests, their hash-chained timeline, reference
-- counters, idempotency keys, attachments and escalations.

CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    reporter_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    refusal_ground TEXT,
    policy_version TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    -- NULL while the clock is paused (awaiting a clarification).
    due_at TIMESTAMP,
    acknowledged_at TIMESTAMP,
    complex BOOLEAN NOT NULL,
    extensions INTEGER NOT NULL,
    -- When the clock stopped for good (answered, refused, withdrawn).
    finished_at TIMESTAMP,
    last_seq INTEGER NOT NULL,
    -- When the sweeper must next look at this request (a reminder, the overdue
    -- instant, the end of the complaint window); NULL when never.
    next_check_at TIMESTAMP,
    -- Optimistic concurrency: every change bumps it; a stale writer gets 409.
    version INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    search_text TEXT NOT NULL
);
CREATE INDEX requests_agency_due ON requests (agency_id, due_at);
CREATE INDEX requests_reporter ON requests (reporter_id, received_at);
CREATE INDEX requests_jurisdiction ON requests (jurisdiction_id, received_at);
-- What the sweeper reads: an empty sweep touches only this index.
CREATE INDEX requests_next_check ON requests (next_check_at) WHERE next_check_at IS NOT NULL;

CREATE TABLE request_events (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests(id),
    seq INTEGER NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT REFERENCES users(id),
    actor_role TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT,
    data TEXT NOT NULL,
    internal BOOLEAN NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (request_id, seq)
);

CREATE TABLE reference_counters (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    year INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_id, year)
);

CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users(id),
    idem_key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    request_id TEXT NOT NULL REFERENCES requests(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests(id),
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_request ON attachments (request_id);

CREATE TABLE escalations (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests(id),
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP,
    assigned_to TEXT REFERENCES users(id),
    closed_at TIMESTAMP,
    resolution TEXT
);
-- At most one open escalation per request, whatever races.
CREATE UNIQUE INDEX escalations_one_open ON escalations (request_id) WHERE status = 'open';
CREATE INDEX escalations_jurisdiction ON escalations (jurisdiction_id, status, opened_at);

-- Each sweeper step (a reminder, an overdue escalation, a closing) happens
-- once per request: the key is recorded in the transaction that takes it.
CREATE TABLE sweep_steps (
    request_id TEXT NOT NULL REFERENCES requests(id),
    step TEXT NOT NULL,
    done_at TIMESTAMP NOT NULL,
    PRIMARY KEY (request_id, step)
);

-- Calendar years edited by an administrator; they replace the shipped data.
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY,
    data TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT REFERENCES users(id)
);

-- Facts about the rule data last applied (the policy packs' fingerprint), so a
-- changed pack recomputes the open deadlines once, at the next start.
CREATE TABLE rule_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
