ALTER TABLE jurisdictions DROP COLUMN scoreboard_public;
DROP TRIGGER stat_facts_append_only_delete;
DROP TRIGGER stat_facts_append_only_update;
DROP TRIGGER stat_facts_count;
DROP TABLE stat_months;
DROP TABLE stat_facts;
