-- How sure we are who a citizen is (API.md §3, docs/identity-provider.md): 1 a phone proven by
-- SMS or WeChat; 2 a real name and ID number checked for form only (the development identity
-- provider); 3 verified by an identity provider. Bindings before this release were checked
-- for form only: 2. A service may require a minimum (services.min_assurance_level: 2 any
-- real name, 3 a verified one).
ALTER TABLE citizens
    ADD COLUMN assurance_level TINYINT UNSIGNED NOT NULL DEFAULT 1,
    ADD COLUMN identity_verified_at TIMESTAMP(3) NULL;
UPDATE citizens SET assurance_level = 2, identity_verified_at = created_at
    WHERE id_number_bidx IS NOT NULL;
ALTER TABLE services ADD COLUMN min_assurance_level TINYINT UNSIGNED NOT NULL DEFAULT 2;
