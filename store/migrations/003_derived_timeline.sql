-- `event.accepted` and `step.scheduled` timeline entries are read from `events` and `steps`
-- themselves: the copies stored before go, and a patient's events are found by index.
DELETE FROM timeline WHERE kind IN ('event.accepted', 'step.scheduled');
CREATE INDEX events_patient ON events (clinic_id, patient_id);
