-- Patients as the clinic last described them; opt-out survives every later event.
CREATE TABLE patients (
  clinic_id        text NOT NULL,
  id               text NOT NULL,
  first_name       text NOT NULL,
  phone            text,
  email            text,
  timezone         text,
  locale           text NOT NULL,
  channel          text NOT NULL,
  sms_consent      boolean NOT NULL,
  sms_opted_out_at timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (clinic_id, id)
);
CREATE INDEX patients_phone ON patients (phone);

-- Every accepted event, keyed by the producer's id: the idempotency record.
CREATE TABLE events (
  clinic_id   text NOT NULL,
  id          text NOT NULL,
  type        text NOT NULL,
  patient_id  text NOT NULL,
  body        jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  expanded_at timestamptz,
  PRIMARY KEY (clinic_id, id)
);
CREATE INDEX events_unexpanded ON events (received_at) WHERE expanded_at IS NULL;

CREATE TABLE plans (
  id           text PRIMARY KEY,
  clinic_id    text NOT NULL,
  patient_id   text NOT NULL,
  kind         text NOT NULL,
  reference    text NOT NULL,
  event_id     text NOT NULL,
  anchor_at    timestamptz NOT NULL,
  zone         text NOT NULL,
  escort_name  text,
  escort_phone text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  cancelled_at timestamptz
);
CREATE INDEX plans_reference ON plans (clinic_id, patient_id, reference);

-- One message of a plan to one recipient. state: scheduled | sending | sent | expired | cancelled | skipped | failed
CREATE TABLE steps (
  id            text PRIMARY KEY,
  plan_id       text NOT NULL REFERENCES plans (id),
  clinic_id     text NOT NULL,
  patient_id    text NOT NULL,
  key           text NOT NULL,
  template      text NOT NULL,
  recipient     text NOT NULL,
  channel       text NOT NULL,
  critical      boolean NOT NULL,
  grace         text NOT NULL,
  expects_reply jsonb,
  due_at        timestamptz NOT NULL,
  state         text NOT NULL,
  reason        text,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX steps_open ON steps (due_at) WHERE state IN ('scheduled', 'sending');
CREATE INDEX steps_plan ON steps (plan_id);

-- One provider send per (step, channel): the row is the claim taken before calling the provider.
CREATE TABLE deliveries (
  id          text PRIMARY KEY,
  step_id     text NOT NULL REFERENCES steps (id),
  channel     text NOT NULL,
  provider    text NOT NULL,
  provider_id text,
  status      text NOT NULL,
  error_code  text,
  claimed_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_step ON deliveries (step_id);
CREATE INDEX deliveries_provider_id ON deliveries (provider_id);

-- What happened to whom and when, for staff. detail holds ids and reasons, not message bodies.
CREATE TABLE timeline (
  id         bigserial PRIMARY KEY,
  clinic_id  text NOT NULL,
  patient_id text NOT NULL,
  at         timestamptz NOT NULL DEFAULT now(),
  kind       text NOT NULL,
  step_id    text,
  detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX timeline_patient ON timeline (clinic_id, patient_id, id);
