-- A number no patient or escort has that texted something staff must hear about gets a stand-in
-- patient record at the clinic it texted, flagged so staff see who it is (and is not).
ALTER TABLE patients ADD COLUMN unknown_sender boolean NOT NULL DEFAULT false;
-- An inbound SMS is matched by the escort phone of a plan too, and by its number's last STOP or START.
CREATE INDEX plans_escort_phone ON plans (escort_phone) WHERE escort_phone IS NOT NULL;
CREATE INDEX replies_from_phone ON replies (from_phone, received_at);
