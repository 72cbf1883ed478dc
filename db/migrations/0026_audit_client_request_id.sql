-- The audit log's request_id is the id the server made for the request (unique); the
-- client's own X-Request-Id, which it may reuse or forge, is kept apart (issue 12).
ALTER TABLE audit_log ADD COLUMN client_request_id VARCHAR(64) NULL AFTER request_id;
