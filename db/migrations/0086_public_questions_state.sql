-- Bumped in the same transaction as every publication or retirement of a public question;
-- each worker polls it (like catalog_state) and rebuilds its questions index when it moves.
CREATE TABLE public_questions_state (
    id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    version BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB;
INSERT INTO public_questions_state (id, version) VALUES (1, 1);
