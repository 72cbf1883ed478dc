-- One row per phone, and one per client address, that asked for SMS codes (their keyed
-- indexes: phone_bidx, ip_bidx). A send locks and changes both rows in the transaction that
-- counts their codes and inserts the new one, so that parallel sends give one code per phone
-- and keep an address's hourly limit, on any host. It replaces named locks (GET_LOCK), which
-- hold on one server only: a Galera cluster does not replicate them.
CREATE TABLE sms_send_locks (
    bidx BINARY(32) NOT NULL PRIMARY KEY,
    sends BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB;
