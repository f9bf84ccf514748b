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
-- were lower case). Two accounts whose addresses differ only in normalisation
-- form are one mailbox: the first verified one (else the oldest) keeps the
-- address; the others are disabled and renamed "<address> (duplicate <id>)",
-- which no login can match (it holds spaces), keeps the spelling for support,
-- and frees the address. Their requests and history stay as they are.
UPDATE users
SET email = users.email || ' (duplicate ' || users.id || ')',
    disabled_at = COALESCE(users.disabled_at, now() AT TIME ZONE 'UTC')
FROM (
    SELECT id, row_number() OVER (
        PARTITION BY normalize(email, NFC) ORDER BY (email_verified_at IS NULL), created_at, id
    ) AS rn
    FROM users
) ranked
WHERE ranked.id = users.id AND ranked.rn > 1;
UPDATE users SET email = normalize(email, NFC) WHERE email <> normalize(email, NFC);
-- The column's own UNIQUE constraint holds the normalised form the application
-- writes; this index also refuses a second spelling written by any other client.
CREATE UNIQUE INDEX users_email_nfc ON users (normalize(email, NFC));

-- Confirmation and invitation links in mails already sent lose their token,
-- as mails sent from now on do (db/outbox.rs).
UPDATE outbox
SET body_text = regexp_replace(body_text, 'token=[A-Za-z0-9_-]+', 'token=redacted', 'g'),
    body_html = regexp_replace(body_html, 'token=[A-Za-z0-9_-]+', 'token=redacted', 'g')
WHERE status <> 'pending' AND kind IN ('verify_email', 'invite');
