DROP INDEX user_tokens_by_user_purpose;
ALTER TABLE user_tokens DROP COLUMN new_email;
