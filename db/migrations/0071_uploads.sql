-- Uploaded files (API.md §5, POST /uploads). The bytes live in the object store under their
-- SHA-256 (content addressed, so one file uploaded twice is stored once); a row belongs to
-- one citizen, and to one application once attached, or it expires (expires_at) and the
-- refresher deletes it. material_code is the material it was attached as.
CREATE TABLE uploads (
    id CHAR(32) NOT NULL PRIMARY KEY,
    citizen_id BIGINT UNSIGNED NOT NULL,
    content_type VARCHAR(32) NOT NULL,
    bytes BIGINT UNSIGNED NOT NULL,
    sha256 CHAR(64) NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    expires_at TIMESTAMP(3) NULL,
    application_id BIGINT UNSIGNED NULL,
    material_code VARCHAR(32) NULL,
    KEY uploads_expiry (expires_at),
    KEY uploads_sha (sha256),
    KEY uploads_application (application_id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- One row per stored object: taken (touched_at) before the object is written, and locked by
-- the sweep that deletes an object nothing refers to any more, so that a sweep never removes
-- an object an upload in flight has just written.
CREATE TABLE store_objects (
    sha256 CHAR(64) NOT NULL PRIMARY KEY,
    content_type VARCHAR(32) NOT NULL,
    bytes BIGINT UNSIGNED NOT NULL,
    touched_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Per-citizen daily upload quotas (count and bytes), counted before the file is stored.
CREATE TABLE upload_days (
    citizen_id BIGINT UNSIGNED NOT NULL,
    day DATE NOT NULL,
    uploads INT UNSIGNED NOT NULL,
    bytes BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (citizen_id, day)
) ENGINE=InnoDB;
