-- A sent step's `step.sent` timeline entry is read from the step: key, template and recipient from
-- its row, at its `sent_at`, and what its send came to (channels, failures, unavailable) from
-- `sent_outcome`, set by the same UPDATE that marks it sent. NULL: sent before this migration with
-- its entry stored, or never sent.
ALTER TABLE steps ADD COLUMN IF NOT EXISTS sent_outcome jsonb;

-- Entries stored before move into their steps and go, so none shows twice. Only an entry the
-- reader gives back exactly moves (the step's patient, its `sent_at`, its key, template and
-- recipient, one per step); any other stays stored and its step is not read as sent, so it
-- shows once as before. A fallback's entry (a later send by the other channel) always stays stored.
UPDATE steps s SET sent_outcome = t.detail - 'key' - 'template' - 'recipient'
FROM (
  SELECT t.step_id, (array_agg(t.detail))[1] AS detail
  FROM timeline t JOIN steps s ON s.id = t.step_id
  WHERE t.kind = 'step.sent' AND NOT (t.detail ? 'fallback') AND s.state = 'sent' AND s.sent_outcome IS NULL
    AND t.clinic_id = s.clinic_id AND t.patient_id = s.patient_id AND t.at = s.sent_at
    AND t.detail->>'key' = s.key AND t.detail->>'template' = s.template AND t.detail->>'recipient' = s.recipient
  GROUP BY t.step_id HAVING count(*) = 1
) t
WHERE s.id = t.step_id;

DELETE FROM timeline t USING steps s
WHERE t.step_id = s.id AND t.kind = 'step.sent' AND NOT (t.detail ? 'fallback') AND s.sent_outcome IS NOT NULL
  AND t.clinic_id = s.clinic_id AND t.patient_id = s.patient_id AND t.at = s.sent_at
  AND t.detail = jsonb_build_object('key', s.key, 'template', s.template, 'recipient', s.recipient) || s.sent_outcome;
