-- Public questions (公开问答, API.md §8): a consultation ticket and its answer published by
-- the staff of its department, in the words the staff member wrote (personal data removed;
-- the asker is never named and nothing of the ticket is shown). One publication per ticket.
-- A retired question keeps its row (retired_at, retired_by) and leaves the public list.
CREATE TABLE public_questions (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id BIGINT UNSIGNED NOT NULL,
    department_code VARCHAR(32) NOT NULL,
    service_code VARCHAR(64) NULL,
    question VARCHAR(500) NOT NULL,
    answer VARCHAR(4000) NOT NULL,
    published_by BIGINT UNSIGNED NOT NULL,
    published_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    retired_at TIMESTAMP(3) NULL,
    retired_by BIGINT UNSIGNED NULL,
    UNIQUE KEY public_questions_ticket (ticket_id),
    KEY public_questions_live (retired_at, id),
    KEY public_questions_department (department_code, retired_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
