-- The service catalog (API.md §4): department and topic codes of data/codes.json, service
-- items, the operators' synonym entries, per-item counters and the catalog version that
-- workers poll to rebuild their search index (search/catalog_cache.c).
INSERT INTO departments (code, name) VALUES
    ('BDC', '市不动产登记中心'),
    ('CG', '市公安局交通警察支队车辆管理所'),
    ('CL', '市残疾人联合会'),
    ('CRJ', '市公安局出入境管理支队'),
    ('GA', '市公安局'),
    ('GJJ', '市住房公积金管理中心'),
    ('HB', '市生态环境局'),
    ('JT', '市交通运输局'),
    ('JY', '市教育局'),
    ('MZ', '市民政局'),
    ('NY', '市农业农村局'),
    ('RS', '市人力资源和社会保障局'),
    ('SF', '市司法局'),
    ('SJ', '市市场监督管理局'),
    ('SL', '市水利局'),
    ('SW', '市税务局'),
    ('SWW', '市商务局'),
    ('TY', '市退役军人事务局'),
    ('WJ', '市卫生健康委员会'),
    ('WL', '市文化广电旅游体育局'),
    ('XF', '市消防救援支队'),
    ('YB', '市医疗保障局'),
    ('YC', '市烟草专卖局'),
    ('YJ', '市应急管理局'),
    ('ZJ', '市住房和城乡建设局'),
    ('ZR', '市自然资源和规划局');

INSERT INTO topics (code, name) VALUES
    ('birth-adoption', '生育收养'),
    ('household', '户籍办理'),
    ('education', '教育科研'),
    ('employment', '就业创业'),
    ('social-security', '社会保障'),
    ('health', '医疗卫生'),
    ('marriage', '婚姻登记'),
    ('housing', '住房保障'),
    ('transport', '交通出行'),
    ('exit-entry', '出境入境'),
    ('business-startup', '企业开办'),
    ('tax', '纳税缴费'),
    ('retirement', '退休养老'),
    ('disability', '残疾人服务'),
    ('funeral', '身后事'),
    ('business-license', '经营许可'),
    ('construction', '工程建设'),
    ('legal', '法律服务'),
    ('public-safety', '公共安全');

-- One row per service item. Retired items stay (old applications point at them) with
-- retired_at set; content_hash (SHA-256 of the item's canonical form) lets a re-import
-- tell an unchanged item from an edited one.
CREATE TABLE services (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code VARCHAR(64) NOT NULL,
    name VARCHAR(100) NOT NULL,
    department_code VARCHAR(32) NOT NULL,
    topic_codes TEXT NOT NULL CHECK (JSON_VALID(topic_codes)),
    audience ENUM('personal', 'enterprise', 'both') NOT NULL,
    kind ENUM('即办件', '承诺件') NOT NULL,
    online_level TINYINT UNSIGNED NOT NULL,
    legal_days SMALLINT UNSIGNED NOT NULL,
    promised_days SMALLINT UNSIGNED NOT NULL,
    fee VARCHAR(200) NOT NULL,
    materials TEXT NOT NULL CHECK (JSON_VALID(materials)),
    keywords TEXT NOT NULL CHECK (JSON_VALID(keywords)),
    description TEXT NOT NULL,
    handled_by_type ENUM('department', 'organization') NOT NULL DEFAULT 'department',
    handled_by_name VARCHAR(100) NULL,
    content_hash BINARY(32) NOT NULL,
    retired_at TIMESTAMP(3) NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY services_code (code),
    KEY services_department (department_code),
    CONSTRAINT services_department_fk FOREIGN KEY (department_code) REFERENCES departments (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Popularity counters, apart from the item rows so that counting never contends with an
-- import. Workers add their buffered detail views about once a second.
CREATE TABLE service_stats (
    service_id INT UNSIGNED NOT NULL PRIMARY KEY,
    views BIGINT UNSIGNED NOT NULL DEFAULT 0,
    applications BIGINT UNSIGNED NOT NULL DEFAULT 0,
    CONSTRAINT service_stats_service_fk FOREIGN KEY (service_id) REFERENCES services (id)
) ENGINE=InnoDB;

-- Synonyms added by operators (onewindow-admin add-synonym); the shipped dictionary
-- (data/synonyms.tsv) is compiled into the binaries.
CREATE TABLE synonyms (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    term VARCHAR(32) NOT NULL,
    expansion VARCHAR(64) NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY synonyms_term_expansion (term, expansion)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Bumped in the same transaction as every catalog or synonym change; each worker polls it
-- and rebuilds its search index when it moves.
CREATE TABLE catalog_state (
    id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    version BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB;
INSERT INTO catalog_state (id, version) VALUES (1, 1);
