-- Who read or changed patient data, hash-chained per clinic (chain '-' for the operator): each entry
-- stores the hash of the one before it. Ids, roles and addresses only: never a phone, email, name or body.
CREATE TABLE access_audit (
  chain          text NOT NULL,
  seq            bigint NOT NULL,
  at             timestamptz NOT NULL,
  actor          text NOT NULL,
  role           text NOT NULL,
  action         text NOT NULL,
  outcome        text NOT NULL,
  status         integer NOT NULL,
  clinic_id      text,
  patient_id     text,
  client_address text,
  prev_hash      text NOT NULL,
  hash           text NOT NULL,
  PRIMARY KEY (chain, seq)
);
CREATE INDEX access_audit_at ON access_audit (chain, at);
CREATE INDEX access_audit_patient ON access_audit (chain, patient_id, seq);

-- One row per chain: appends lock it, so concurrent requests cannot fork the chain. Retention purges
-- a chain from its start and records here the last purged entry, where verification then begins.
CREATE TABLE access_audit_heads (
  chain          text PRIMARY KEY,
  seq            bigint NOT NULL,
  hash           text NOT NULL,
  purged_through bigint NOT NULL DEFAULT 0,
  purged_hash    text NOT NULL
);

-- What each daily retention run purged, per clinic: counts only.
CREATE TABLE retention_runs (
  id             bigserial PRIMARY KEY,
  clinic_id      text NOT NULL,
  ran_at         timestamptz NOT NULL,
  message_bodies integer NOT NULL,
  reply_texts    integer NOT NULL,
  audit_entries  integer NOT NULL
);

-- A patient erased on the clinic's request: ids and counts stay, personal data goes.
CREATE TABLE patient_erasures (
  clinic_id       text NOT NULL,
  patient_id      text NOT NULL,
  erased_at       timestamptz NOT NULL,
  cancelled_steps integer NOT NULL,
  PRIMARY KEY (clinic_id, patient_id)
);

-- A purged or erased message keeps its row without its text or sender.
ALTER TABLE replies ALTER COLUMN body DROP NOT NULL;
ALTER TABLE replies ALTER COLUMN from_phone DROP NOT NULL;
