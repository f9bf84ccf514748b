DROP TABLE outbox;
DROP TABLE user_tokens;
DROP TABLE sessions;
DROP TABLE spokesperson_assignments;
DROP TABLE users;
DROP TABLE agencies;
DROP TABLE jurisdictions;
