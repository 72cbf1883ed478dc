-- Organizations and clients an operator can turn off (API.md §7): a disabled organization
-- gets no token, no new application and no webhook, and its clients are disabled with it (so
-- that every worker refuses their tokens: auth/revocations.c polls disabled_at). A rotated
-- webhook secret keeps signing beside the new one until webhook_secret_prev_until (24 h).
ALTER TABLE organizations
    ADD COLUMN disabled_at TIMESTAMP(3) NULL,
    ADD COLUMN webhook_secret_prev_enc VARBINARY(128) NULL,
    ADD COLUMN webhook_secret_prev_until TIMESTAMP(3) NULL;
ALTER TABLE oauth_clients
    ADD COLUMN rotated_at TIMESTAMP(3) NULL,
    ADD KEY oauth_clients_disabled (disabled_at);
