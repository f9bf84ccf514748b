-- Failed logins are counted per (address, client address) pair rather than per
-- account: a stranger's wrong passwords then lock only that stranger's pair, and
-- an address without an account is throttled exactly like one with an account,
-- so a 429 tells nothing about which accounts exist. The key is a SHA-256 of
-- the pair: the table holds no address in clear.
CREATE TABLE login_throttles (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
CREATE INDEX login_throttles_window ON login_throttles (window_start);

-- Secrets of this installation, created at the first start and shared by every
-- instance on the database (the key that binds CSRF tokens to sessions).
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Reporter accounts that never confirm their address expire; the clean-up
-- that runs at each sweep reads only this index.
CREATE INDEX users_unverified ON users (created_at) WHERE email_verified_at IS NULL;

-- The per-account lockout is replaced by login_throttles.
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;

-- Addresses are now stored in Unicode NFC as well as lower case (they already
-- were lower case). tiepcan_nfc is registered by the application on the
-- connection that runs the migrations (SQLite has no normalisation of its own).
-- Two accounts whose addresses differ only in normalisation form are one
-- mailbox: the first verified one (else the oldest) keeps the address; the
-- others are disabled and renamed "<address> (duplicate <id>)", which no login
-- can match (it holds spaces), keeps the spelling for support, and frees the
-- address. Their requests and history stay as they are.
UPDATE users
SET email = email || ' (duplicate ' || id || ')',
    disabled_at = COALESCE(disabled_at, CURRENT_TIMESTAMP)
WHERE id IN (
    SELECT id FROM (
        SELECT id, row_number() OVER (
            PARTITION BY tiepcan_nfc(email) ORDER BY (email_verified_at IS NULL), created_at, id
        ) AS rn
        FROM users
    ) WHERE rn > 1
);
UPDATE users SET email = tiepcan_nfc(email) WHERE email <> tiepcan_nfc(email);

-- Confirmation and invitation links in mails already sent lose their token,
-- as mails sent from now on do (db/outbox.rs).
UPDATE outbox
SET body_text = tiepcan_redact_tokens(body_text), body_html = tiepcan_redact_tokens(body_html)
WHERE status <> 'pending' AND kind IN ('verify_email', 'invite');
