-- Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): one row per (client, key), kept 24 h.
-- The request is kept only as a digest; the answer (status and body) is replayed to a retry.
-- status NULL: the first request is still being handled.
CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  request_sha256 text NOT NULL,
  status integer,
  content_type text,
  body text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
