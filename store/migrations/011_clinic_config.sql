-- Clinic configuration as data: each clinic's document (what the clinic file holds for it), with
-- every version kept (who, when, which paths changed), and one counter every process polls.
-- Documents are json, not jsonb: jsonb reorders keys, and a document reads back as written (rotations in order).
CREATE TABLE clinic_configs (
  clinic_id text PRIMARY KEY,
  position bigserial NOT NULL,
  version integer NOT NULL,
  document json NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE clinic_config_versions (
  clinic_id text NOT NULL,
  version integer NOT NULL,
  document json NOT NULL,
  actor text NOT NULL,
  diff jsonb NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (clinic_id, version)
);

-- Bumped by every change of configuration or API keys; a process reloads when it moves.
CREATE TABLE config_state (
  id integer PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL
);
INSERT INTO config_state (id, version) VALUES (1, 0) ON CONFLICT DO NOTHING;

-- API keys, several per clinic: only the SHA-256 of a key is kept.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  clinic_id text NOT NULL,
  name text NOT NULL,
  scope text NOT NULL,
  key_sha256 text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_keys_clinic ON api_keys (clinic_id, created_at);
CREATE INDEX api_keys_hash ON api_keys (key_sha256);

-- The clinic configuration version a plan was expanded with (null: before configuration was versioned).
ALTER TABLE plans ADD COLUMN config_version integer;
