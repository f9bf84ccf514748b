-- Replies by mail. A reply token names one request and one addressee; it is
-- the secret part of the Reply-To address of the mails about that request.
-- Only a SHA-256 of the token is kept; the token itself is derived from an
-- installation key, the request, the address and the generation (a revoked
-- token is replaced by the next generation's).
CREATE TABLE reply_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES requests(id),
    email TEXT NOT NULL,
    user_id TEXT REFERENCES users(id),
    generation INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    UNIQUE (request_id, email, generation)
);

-- Every inbound message, recorded once (message_key: the Message-ID, or the
-- SHA-256 of the bytes when there is none), with what became of it.
CREATE TABLE inbound_messages (
    id TEXT PRIMARY KEY NOT NULL,
    message_key TEXT NOT NULL UNIQUE,
    imap_uid BIGINT,
    received_at TIMESTAMP NOT NULL,
    from_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    raw_sha256 TEXT NOT NULL,
    raw_size BIGINT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    request_id TEXT REFERENCES requests(id),
    token_hash TEXT,
    body_text TEXT NOT NULL,
    quoted_text TEXT NOT NULL,
    event_id TEXT,
    change_token_hash TEXT UNIQUE,
    change_until TIMESTAMP,
    handled_by TEXT REFERENCES users(id),
    handled_at TIMESTAMP
);
CREATE INDEX inbound_messages_status ON inbound_messages (status, received_at);

-- Addresses whose mail came back: shown to staff, and mail to them is held.
CREATE TABLE mail_bounces (
    email TEXT PRIMARY KEY NOT NULL,
    first_at TIMESTAMP NOT NULL,
    last_at TIMESTAMP NOT NULL,
    count INTEGER NOT NULL,
    diagnostic TEXT NOT NULL
);

ALTER TABLE outbox ADD COLUMN reply_to TEXT;
