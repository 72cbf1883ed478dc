-- The platform's operators (issue 14): a staff account is either department staff (`staff`,
-- works its department's applications and edits its department's catalog items) or an
-- operator (`operator`, runs the platform: the whole catalog, synonyms and concepts, the
-- search miss log). The role is carried in the access token. An operator need not belong to
-- a department.
ALTER TABLE staff ADD COLUMN role ENUM('staff', 'operator') NOT NULL DEFAULT 'staff',
    MODIFY department_code VARCHAR(32) NULL;
