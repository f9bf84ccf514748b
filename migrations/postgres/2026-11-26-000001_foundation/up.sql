-- Foundation: directory, accounts, sessions, one-time tokens, mail outbox.
-- Keys are UUID v7 as text; timestamps are UTC without zone (both backends alike).

CREATE TABLE jurisdictions (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    department_name TEXT NOT NULL,
    department_email TEXT NOT NULL,
    timezone TEXT NOT NULL,
    office_hours TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT,
    level TEXT NOT NULL,
    parent_id TEXT REFERENCES agencies(id),
    email TEXT,
    search_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (jurisdiction_id, code)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL,
    outlet TEXT,
    press_card_no TEXT,
    phone TEXT,
    title TEXT,
    locale TEXT NOT NULL,
    email_verified_at TIMESTAMP,
    jurisdiction_id TEXT REFERENCES jurisdictions(id),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);

CREATE TABLE spokesperson_assignments (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    is_primary BOOLEAN NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    valid_to TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX spokesperson_assignments_agency ON spokesperson_assignments (agency_id);
CREATE INDEX spokesperson_assignments_user ON spokesperson_assignments (user_id);

-- A session's id is the SHA-256 of its token: a leaked table gives no usable token.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Email verification and invitation links; stored hashed like sessions.
CREATE TABLE user_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX user_tokens_user ON user_tokens (user_id);

-- The transactional outbox: written in the transaction of the change that
-- causes the mail, sent later by the mailer, never deleted.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    to_email TEXT NOT NULL,
    to_name TEXT,
    locale TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_error TEXT,
    smtp_reply TEXT,
    sent_at TIMESTAMP
);
-- The mailer reads only this partial index when there is nothing to send.
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE status = 'pending';
