-- An alarm claims the never-tried steps of its instant a page at a time, in id order: by this
-- index each page reads its own rows only, not every step of the instant claimed before it.
CREATE INDEX steps_due_scheduled ON steps (due_at, id) WHERE state = 'scheduled';
