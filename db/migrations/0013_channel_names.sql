-- Delivery channels and device platforms are named by onewindow-pushd's channel table
-- (push/channels.c), not by the schema: a new channel is its file and one entry there, with
-- no migration. The values stay those of the channels' names.
ALTER TABLE outbox MODIFY channel VARCHAR(16) NOT NULL;
ALTER TABLE devices MODIFY platform VARCHAR(16) NOT NULL;
