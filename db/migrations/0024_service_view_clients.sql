-- Popularity counts at most one detail view per client, service and day: the clients (a
-- keyed hash of the address) that viewed each service today. Earlier days are deleted.
CREATE TABLE service_view_clients (
    day DATE NOT NULL,
    service_id INT UNSIGNED NOT NULL,
    client BINARY(16) NOT NULL,
    PRIMARY KEY (day, service_id, client)
) ENGINE=InnoDB;
