-- Feedback tickets (互动反馈, API.md §8): a citizen's consultation, complaint, suggestion or
-- praise, optionally about one of their applications, a service or a department, routed to
-- that department's queue (department_code) or to the general one (NULL, which the staff of
-- the `feedback_desk_department` work). created_day is the local day (the daily limit).
-- satisfaction: the citizen's verdict (1..5) on the answer, once, after closing.
CREATE TABLE feedback_tickets (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    citizen_id BIGINT UNSIGNED NOT NULL,
    kind ENUM('consultation', 'complaint', 'suggestion', 'praise') NOT NULL,
    title VARCHAR(100) NOT NULL,
    body VARCHAR(2000) NOT NULL,
    application_id BIGINT UNSIGNED NULL,
    application_no CHAR(20) NULL,
    service_code VARCHAR(64) NULL,
    department_code VARCHAR(32) NULL,
    status ENUM('open', 'closed') NOT NULL DEFAULT 'open',
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    created_day DATE NOT NULL,
    closed_at TIMESTAMP(3) NULL,
    satisfaction TINYINT UNSIGNED NULL CHECK (satisfaction BETWEEN 1 AND 5),
    rated_at TIMESTAMP(3) NULL,
    KEY feedback_citizen (citizen_id, id),
    KEY feedback_citizen_open (citizen_id, status),
    KEY feedback_citizen_day (citizen_id, created_day),
    KEY feedback_queue (department_code, status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The staff's replies on a ticket, in order; never changed.
CREATE TABLE feedback_replies (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id BIGINT UNSIGNED NOT NULL,
    staff_id BIGINT UNSIGNED NOT NULL,
    department_code VARCHAR(32) NOT NULL,
    body VARCHAR(2000) NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY feedback_replies_ticket (ticket_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
