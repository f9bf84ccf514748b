-- SQLite does not compress values: nothing to change. This migration keeps both backends' lists of migrations alike.
SELECT 1;
