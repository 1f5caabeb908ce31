-- A step due beyond SCHEDULE_HORIZON is kept in PostgreSQL only (queued = false) until the
-- promoter puts its job in Redis; every step written before lived in Redis from the start.
ALTER TABLE steps ADD COLUMN queued boolean NOT NULL DEFAULT true;
CREATE INDEX steps_unqueued ON steps (due_at, id) WHERE NOT queued AND state = 'scheduled';
