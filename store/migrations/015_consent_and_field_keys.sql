-- The rule that moved a step's planned time (clinic quiet hours, or a state's calling hours: 'state:FL').
ALTER TABLE steps ADD COLUMN deferred_by text;
