-- Where a citizen's notifications go (API.md §6): push devices (APNs, Huawei Push Kit,
-- JPush), WeChat one-time subscribe grants (each sent message uses one), and the citizen's
-- channel settings. A device token belongs to one citizen at a time: registering it again
-- from another account moves it. A provider's "token gone" answer deactivates it.
CREATE TABLE devices (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    citizen_id BIGINT UNSIGNED NOT NULL,
    platform ENUM('apns', 'hms', 'jpush') NOT NULL,
    token VARCHAR(512) NOT NULL,
    token_hash BINARY(32) NOT NULL,
    active TINYINT UNSIGNED NOT NULL DEFAULT 1,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY devices_token (platform, token_hash),
    KEY devices_citizen (citizen_id, active)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

CREATE TABLE wechat_grants (
    citizen_id BIGINT UNSIGNED NOT NULL,
    template_id VARCHAR(64) NOT NULL,
    remaining INT UNSIGNED NOT NULL,
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (citizen_id, template_id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- No row: the defaults (push on, SMS off; need_materials always goes by SMS as well).
CREATE TABLE notification_settings (
    citizen_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    push TINYINT UNSIGNED NOT NULL,
    sms TINYINT UNSIGNED NOT NULL,
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB;

-- The inbox's unread filter and count read only unread rows.
CREATE INDEX notifications_unread ON notifications (citizen_id, read_at, id);
