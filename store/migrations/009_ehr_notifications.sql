-- What a clinic's EHR sent (FHIR Subscription notifications, HL7v2 messages), kept until mapped:
-- once per (clinic, dedup key), with its state, attempts and the reason it failed, for operators.
CREATE TABLE ehr_notifications (
  id text PRIMARY KEY,
  clinic_id text NOT NULL,
  source text NOT NULL,
  dedup_key text NOT NULL,
  status text NOT NULL DEFAULT 'received',
  attempts integer NOT NULL DEFAULT 0,
  reason text,
  body jsonb NOT NULL,
  event_ids text[] NOT NULL DEFAULT '{}',
  received_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (clinic_id, dedup_key)
);
CREATE INDEX ehr_notifications_status ON ehr_notifications (clinic_id, status, received_at);

-- The esketamine REMS reminder to staff: claimed once per plan before it is sent.
CREATE TABLE rems_reminders (
  plan_id text PRIMARY KEY,
  clinic_id text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
