ALTER TABLE jurisdictions DROP COLUMN scoreboard_public;
DROP TRIGGER stat_facts_append_only ON stat_facts;
DROP FUNCTION stat_facts_append_only();
DROP TRIGGER stat_facts_count ON stat_facts;
DROP FUNCTION stat_facts_count();
DROP TABLE stat_months;
DROP TABLE stat_facts;
