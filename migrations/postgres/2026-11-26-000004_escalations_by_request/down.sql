DROP INDEX escalations_request;
