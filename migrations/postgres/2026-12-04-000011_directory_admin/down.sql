ALTER TABLE agencies DROP COLUMN active;
