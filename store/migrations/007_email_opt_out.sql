-- A patient who used an email's unsubscribe link gets no more email; kept across later events, like an SMS opt-out.
ALTER TABLE patients ADD COLUMN email_opted_out boolean NOT NULL DEFAULT false;
