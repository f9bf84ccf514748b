ALTER TABLE outbox DROP COLUMN reply_to;
DROP TABLE mail_bounces;
DROP TABLE inbound_messages;
DROP TABLE reply_tokens;
