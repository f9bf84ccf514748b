-- SQLite does not compress values, and its row trigger on facts is cheap in-process: nothing to change. This migration keeps both backends' lists of migrations alike.
SELECT 1;
