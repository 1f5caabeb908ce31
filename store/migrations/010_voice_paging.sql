-- Staff notices name the person told (a rotation's people need not be escalation contacts); a
-- call's notice keeps the call's last reported status (queued, ringing, in-progress, completed, ...).
ALTER TABLE notices ADD COLUMN person text;
ALTER TABLE notices ADD COLUMN call_status text;
