-- A rotated client secret keeps working beside the new one until secret_prev_until (24 h by
-- default, `create-client --rotate ID --overlap-hours N`), so that an organization can deploy
-- the new secret without an outage; --overlap-hours 0 (a leaked secret) ends it at once.
ALTER TABLE oauth_clients
    ADD COLUMN secret_hash_prev BINARY(32) NULL,
    ADD COLUMN secret_prev_until TIMESTAMP(3) NULL;
