-- Who holds an in-flight Idempotency-Key, as the database sees it: the connection that
-- claimed it (CONNECTION_ID()), on which server, since when. A retry may take the key over at
-- once when that connection has certainly ended (the worker was killed, or the server
-- restarted since): it is gone from the server's process list, or older than the server's
-- start. On another server (a Galera node, a promoted replica) the lease alone decides.
ALTER TABLE idempotency_keys
    ADD COLUMN owner_conn BIGINT UNSIGNED NULL AFTER owner,
    ADD COLUMN owner_server VARCHAR(96) NULL AFTER owner_conn,
    ADD COLUMN owner_since TIMESTAMP(3) NULL AFTER owner_server;
