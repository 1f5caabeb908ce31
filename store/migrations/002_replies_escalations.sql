-- When a step went out and what came back: the check-in reply window runs from sent_at.
ALTER TABLE steps ADD COLUMN sent_at timestamptz;
ALTER TABLE steps ADD COLUMN replied_at timestamptz;
ALTER TABLE steps ADD COLUMN reminded_at timestamptz;
ALTER TABLE steps ADD COLUMN window_closed_at timestamptz;
CREATE INDEX steps_open_checkins ON steps (sent_at) WHERE expects_reply IS NOT NULL AND window_closed_at IS NULL AND state = 'sent';

-- Every inbound SMS, keyed by Twilio's MessageSid so a redelivered webhook is processed once.
-- patient_id is null for a number no patient has.
CREATE TABLE replies (
  id             text PRIMARY KEY,
  clinic_id      text,
  patient_id     text,
  from_phone     text NOT NULL,
  body           text NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now(),
  classification text NOT NULL,
  level          text NOT NULL,
  step_id        text,
  detail         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX replies_patient ON replies (clinic_id, patient_id, received_at);

-- A reply or a failure that needs a human. kind: urgent | attention | review | unreachable
CREATE TABLE escalations (
  id              text PRIMARY KEY,
  clinic_id       text NOT NULL,
  patient_id      text NOT NULL,
  kind            text NOT NULL,
  reason          text NOT NULL,
  code            text NOT NULL,
  reply_id        text,
  step_id         text,
  status          text NOT NULL DEFAULT 'open',
  raised_at       timestamptz NOT NULL DEFAULT now(),
  notified_rounds integer NOT NULL DEFAULT 0,
  acknowledged_at timestamptz,
  acknowledged_by text
);
CREATE UNIQUE INDEX escalations_open_code ON escalations (clinic_id, code) WHERE status = 'open';
CREATE INDEX escalations_open ON escalations (clinic_id, raised_at) WHERE status = 'open';

-- One staff notification per (escalation, round, channel): the claim taken before sending.
CREATE TABLE notices (
  id            text PRIMARY KEY,
  escalation_id text NOT NULL REFERENCES escalations (id),
  round         integer NOT NULL,
  channel       text NOT NULL,
  contact       integer NOT NULL,
  provider_id   text,
  status        text NOT NULL,
  error_code    text,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notices_escalation ON notices (escalation_id);
