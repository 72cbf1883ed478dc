-- Delegations (授权委托, API.md §7): a department hands one of its services to an
-- organization for a window of days, valid_from … valid_to inclusive, in the service's time
-- zone. The windows of one service that are not revoked never overlap (workflow/delegations.c
-- checks under a lock of the service's row), so at most one is in force on any day.
-- department_code is the delegating department (the service's when it was made): its staff
-- list and revoke it. created_by / revoked_by: "staff:<id>" or "operator".
CREATE TABLE delegations (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    service_id INT UNSIGNED NOT NULL,
    org_id BIGINT UNSIGNED NOT NULL,
    department_code VARCHAR(32) NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE NOT NULL,
    created_by VARCHAR(80) NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    revoked_at TIMESTAMP(3) NULL,
    revoked_by VARCHAR(80) NULL,
    KEY delegations_service (service_id, valid_to),
    KEY delegations_org (org_id, valid_to),
    KEY delegations_department (department_code, id),
    CONSTRAINT delegations_window CHECK (valid_from <= valid_to),
    CONSTRAINT delegations_service_fk FOREIGN KEY (service_id) REFERENCES services (id),
    CONSTRAINT delegations_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
