-- Per-service form definitions (a documented subset of JSON Schema 2020-12, checked by
-- catalog/form_schema.c at import). services.materials now always holds the structured list
-- [{code, name, required, accept, max_bytes}]: the import turns the old list of names into it.
ALTER TABLE services ADD COLUMN form_schema MEDIUMTEXT NULL
    CHECK (form_schema IS NULL OR JSON_VALID(form_schema));
ALTER TABLE services MODIFY materials MEDIUMTEXT NOT NULL CHECK (JSON_VALID(materials));
