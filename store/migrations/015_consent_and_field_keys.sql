-- The rule that moved a step's planned time (clinic quiet hours, or a state's calling hours: 'state:FL').
ALTER TABLE steps ADD COLUMN deferred_by text;

-- Each patient's consent to SMS and email as a history: granted or withdrawn, by what (an event,
-- the EHR, START, STOP, an unsubscribe link, staff), when, under which consent wording, and the
-- keyword that withdrew it (never the message). patients keeps the current state for the dispatcher.
CREATE TABLE consent_records (
  id              bigserial PRIMARY KEY,
  clinic_id       text NOT NULL,
  patient_id      text NOT NULL,
  channel         text NOT NULL,
  status          text NOT NULL,
  source          text NOT NULL,
  words           text,
  wording_version text,
  by_staff        text,
  event_id        text,
  at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_records_patient ON consent_records (clinic_id, patient_id, id);
