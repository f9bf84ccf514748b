-- An address change waits for the link mailed to the new address: the token
-- row keeps the address it would change to, and nothing else changes before.
ALTER TABLE user_tokens ADD COLUMN new_email TEXT;
-- Password-reset requests are capped per account and hour: find them quickly.
CREATE INDEX user_tokens_by_user_purpose ON user_tokens (user_id, purpose, created_at);
