DROP INDEX users_unverified;
ALTER TABLE users ADD COLUMN locked_until TIMESTAMP;
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
DROP TABLE server_keys;
DROP TABLE login_throttles;
