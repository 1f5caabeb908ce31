-- A cancellation is kept, so a plan written after it (in a concurrent batch, or by a retried
-- event) is cancelled as it is written.
CREATE TABLE plan_cancellations (
  clinic_id    text NOT NULL,
  patient_id   text NOT NULL,
  reference    text NOT NULL,
  event_id     text NOT NULL,
  cancelled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (clinic_id, patient_id, reference)
);
