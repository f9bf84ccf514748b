DROP TABLE calendar_years;
DROP TABLE sweep_steps;
DROP TABLE escalations;
DROP TABLE attachments;
DROP TABLE idempotency_keys;
DROP TABLE reference_counters;
DROP TABLE request_events;
DROP TABLE requests;
