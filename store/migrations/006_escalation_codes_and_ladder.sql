-- Acknowledgement codes are unique among all open escalations, not per clinic, so a contact of
-- two clinics names exactly one. Open codes that two clinics share now get three more characters.
UPDATE escalations e SET code = e.code || upper(substr(md5(e.id), 1, 3))
WHERE e.status = 'open' AND EXISTS (SELECT 1 FROM escalations o WHERE o.status = 'open' AND o.code = e.code AND o.id < e.id);
DROP INDEX escalations_open_code;
CREATE UNIQUE INDEX escalations_open_code ON escalations (code) WHERE status = 'open';

-- A review nobody acknowledged is closed after the clinic's `closeReviewsAfter` (status 'closed').
ALTER TABLE escalations ADD COLUMN closed_at timestamptz;
CREATE INDEX escalations_open_kind ON escalations (kind, raised_at) WHERE status = 'open';

-- When the ladder ran out without an acknowledgement (every contact and the last resort tried).
ALTER TABLE escalations ADD COLUMN exhausted_at timestamptz;
