-- An agency can be deactivated (merged, dissolved) without losing its history:
-- its open requests stay where they are, new ones go to the Department.
ALTER TABLE agencies ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
