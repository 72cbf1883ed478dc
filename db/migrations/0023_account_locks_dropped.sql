-- The per-account lock (ten wrong passwords, 15 minutes) is replaced by login_failures.
ALTER TABLE citizens DROP COLUMN failed_logins, DROP COLUMN locked_until;
ALTER TABLE staff DROP COLUMN failed_logins, DROP COLUMN locked_until;
