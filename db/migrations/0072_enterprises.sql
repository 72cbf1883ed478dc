-- Companies a citizen acts for (法人办事, API.md §3): the unified social credit code
-- (GB 32100), the name and the citizen's role; verified_by names the registry step that
-- accepted it (dev: the format check only). An application to an enterprise service keeps
-- the company as applied for (its id, code and name): removing the binding later does not
-- rewrite what was submitted.
CREATE TABLE citizen_enterprises (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    citizen_id BIGINT UNSIGNED NOT NULL,
    credit_code CHAR(18) NOT NULL,
    name VARCHAR(100) NOT NULL,
    role ENUM('legal_representative', 'agent') NOT NULL,
    verified_by VARCHAR(16) NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY citizen_enterprises_code (citizen_id, credit_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE applications
    ADD COLUMN enterprise_id BIGINT UNSIGNED NULL,
    ADD COLUMN enterprise_credit_code CHAR(18) NULL,
    ADD COLUMN enterprise_name VARCHAR(100) NULL,
    ADD COLUMN enterprise_role ENUM('legal_representative', 'agent') NULL;
