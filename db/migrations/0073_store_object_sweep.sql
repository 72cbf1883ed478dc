-- When a stored object is next looked at by the sweep: set when an upload that may be its
-- last reference expires (now) and when it is written (after the upload's lifetime, for a
-- write whose upload row never came); cleared while uploads refer to it. Without it an object
-- still in its grace period when its last upload expired would never be swept.
ALTER TABLE store_objects
    ADD COLUMN sweep_after TIMESTAMP(3) NULL,
    ADD KEY store_objects_sweep (sweep_after);
