-- Outbound webhooks (Standard Webhooks): each clinic's endpoints, the outbox of what is owed to
-- each, and every attempt to deliver it. The signing secret is kept sealed (AES-256-GCM, DATA_KEY).
CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  clinic_id text NOT NULL,
  url text NOT NULL,
  event_types text[] NOT NULL,
  include_reply_body boolean NOT NULL DEFAULT false,
  secret_sealed text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_clinic ON webhook_endpoints (clinic_id);

-- One row per (event, subscribed endpoint), written with the change it reports; it stays until
-- delivered or given up, so a receiver that is down, or a Redis wipe, loses nothing.
CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY,
  endpoint_id text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  clinic_id text NOT NULL,
  event_type text NOT NULL,
  payload text NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- Retries run for WEBHOOK_RETRY_FOR from here: the first emit, or the replay that reopened it.
  owed_since timestamptz NOT NULL,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_clinic ON webhook_deliveries (clinic_id, created_at);

-- What each attempt came to: the status code or the error, how long it took, a short excerpt of the answer.
CREATE TABLE webhook_attempts (
  id bigserial PRIMARY KEY,
  delivery_id text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempted_at timestamptz NOT NULL,
  status_code integer,
  error text,
  duration_ms integer NOT NULL,
  response_excerpt text
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);
