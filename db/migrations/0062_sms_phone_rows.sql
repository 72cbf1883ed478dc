-- One row per phone that asked for an SMS code: a send locks (and changes) its phone's row in
-- the transaction that counts the phone's codes and inserts the new one, so that parallel
-- sends for one phone give one code on any host. It replaces a named lock (GET_LOCK), which
-- holds on one server only: a Galera cluster does not replicate it.
CREATE TABLE sms_phones (
    phone_bidx BINARY(32) NOT NULL PRIMARY KEY,
    sends BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB;
