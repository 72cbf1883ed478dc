-- A rotated-in key is published (JWKS, every worker's ring) before it signs: signs_from is
-- when it starts signing (NULL: at once). Until then the previous key signs, so that no
-- client or worker meets a token whose key it has not seen yet (JWKS is cached for 60 s).
ALTER TABLE signing_keys ADD COLUMN signs_from TIMESTAMP(3) NULL AFTER created_at;
