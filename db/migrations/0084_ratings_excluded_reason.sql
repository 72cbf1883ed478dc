-- A reviewer's reason (API.md §8, 申诉复核) is up to 1000 characters, and the rating keeps it
-- whole as its excluded_reason (migration 0080 made room for 500). Both lengths need a
-- two-byte length prefix, so MariaDB widens the column in place.
ALTER TABLE ratings MODIFY excluded_reason VARCHAR(1000) NULL;
