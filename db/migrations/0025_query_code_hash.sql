-- The query code is a secret the database alone must not give away (issue 12): kept as a
-- keyed hash bound to the number (what the progress query compares) and sealed under the
-- personal-data key (what the owner's detail shows). Rows of older releases keep their code
-- in query_code until `onewindow-admin migrate` (with the master key) converts them; the key
-- finds them (every converted row has NULL there).
ALTER TABLE applications
    MODIFY query_code CHAR(8) NULL,
    ADD COLUMN query_code_hash BINARY(32) NULL AFTER query_code,
    ADD COLUMN query_code_enc VARBINARY(64) NULL AFTER query_code_hash,
    ADD KEY applications_plain_query_code (query_code);
