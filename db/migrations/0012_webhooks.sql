-- Organization webhooks (API.md §6, §7): each organization's signing secret, sealed under the
-- personal-data key (shown once by `create-org`), and the event a webhook delivery carries
-- (outbox.payload: the event's data; outbox.target_ref: its type; the event id is the
-- delivery id).
ALTER TABLE organizations ADD COLUMN webhook_secret_enc VARBINARY(128) NULL;
ALTER TABLE outbox ADD COLUMN payload MEDIUMTEXT NULL;
