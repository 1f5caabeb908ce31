import type { Sql } from './db.ts';
import { readText, storedText } from './field-text.ts';

/** Kinds of entry a patient's timeline holds, in the clinic's words. */
export const timelineKinds = [
  'event.accepted',
  'step.scheduled',
  'step.deferred',
  'step.sent',
  'step.skipped',
  'step.expired',
  'step.cancelled',
  'step.failed',
  'delivery.failed',
  'delivery.updated',
  'plan.cancelled',
  'reply.received',
  'reply.answered',
  'patient.opted-out',
  'patient.opted-in',
  'checkin.reminded',
  'escalation.raised',
  'escalation.notified',
  'escalation.acknowledged',
  'escalation.closed',
  'escalation.contact-unreachable',
  'escalation.exhausted',
  'escalation.call',
] as const;
export type TimelineKind = (typeof timelineKinds)[number];

export interface TimelineEntry {
  clinicId: string;
  patientId: string;
  kind: TimelineKind;
  stepId?: string | null;
  /** Ids, templates, channels, times and reasons; a patient's own reply text for staff (`text`, encrypted at rest); never a phone or email. */
  detail?: Record<string, unknown>;
  at?: Date;
}

export async function addTimeline(sql: Sql, entries: TimelineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await sql.query(
    `INSERT INTO timeline (clinic_id, patient_id, kind, step_id, detail, at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])`,
    [
      entries.map((e) => e.clinicId),
      entries.map((e) => e.patientId),
      entries.map((e) => e.kind),
      entries.map((e) => e.stepId ?? null),
      entries.map((e) => JSON.stringify(sealedDetail(sql, e.detail ?? {}))),
      entries.map((e) => e.at ?? new Date()),
    ],
  );
}

export interface TimelineRow {
  at: string;
  kind: string;
  stepId: string | null;
  detail: Record<string, unknown>;
}

/**
 * A patient's timeline. Three kinds of entry are read from their own tables rather than stored
 * twice: `event.accepted` from `events`; `step.scheduled` from `steps`, at the time its plan
 * was written (a step planned already expired has a stored `step.expired` entry instead: its
 * `updated_at` is its plan's `created_at`, both the same transaction's now()); and `step.sent`
 * from `steps` too, at its `sent_at`, with what its send came to (`sent_outcome`, written by the
 * UPDATE that marked it sent, so a send writes no timeline row). `dueAt` of a scheduled step is
 * its due time now; a later deferral has an entry of its own. A step sent before its outcome was
 * kept (`sent_outcome` NULL) has its entry stored, as has a fallback's later send
 * (migration 018).
 */
export async function patientTimeline(sql: Sql, clinicId: string, patientId: string, limit = 500): Promise<TimelineRow[]> {
  const rows = await sql.query<{ at: Date; kind: string; step_id: string | null; detail: Record<string, unknown> }>(
    `SELECT at, kind, step_id, detail FROM (
       SELECT received_at AS at, 0 AS rank, NULL::timestamptz AS due, 0::bigint AS id, 'event.accepted' AS kind, NULL::text AS step_id,
              jsonb_build_object('eventId', id, 'type', type) AS detail
       FROM events WHERE clinic_id = $1 AND patient_id = $2
       UNION ALL
       SELECT p.created_at, 1, s.due_at, 0, 'step.scheduled', s.id,
              jsonb_build_object('key', s.key, 'template', s.template, 'recipient', s.recipient,
                                 'dueAt', to_char(s.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
              || CASE WHEN p.config_version IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('planVersion', p.config_version) END
              || CASE WHEN s.deferred_by IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('deferredBy', s.deferred_by) END
       FROM plans p JOIN steps s ON s.plan_id = p.id
       WHERE p.clinic_id = $1 AND p.patient_id = $2 AND NOT (s.state = 'expired' AND s.updated_at = p.created_at)
       UNION ALL
       SELECT s.sent_at, 2, s.due_at, 0, 'step.sent', s.id,
              jsonb_build_object('key', s.key, 'template', s.template, 'recipient', s.recipient) || s.sent_outcome
       FROM plans p JOIN steps s ON s.plan_id = p.id
       WHERE p.clinic_id = $1 AND p.patient_id = $2 AND s.state = 'sent' AND s.sent_outcome IS NOT NULL
       UNION ALL
       SELECT at, 2, NULL, id, kind, step_id, detail FROM timeline WHERE clinic_id = $1 AND patient_id = $2
     ) entries ORDER BY at, rank, due, id, step_id LIMIT $3`,
    [clinicId, patientId, limit],
  );
  return rows.map((r) => ({ at: r.at.toISOString(), kind: r.kind, stepId: r.step_id, detail: openedDetail(sql, r.detail) }));
}

// What a person wrote (`text`) is the one field of an entry that is encrypted at rest.
function sealedDetail(sql: Sql, detail: Record<string, unknown>): Record<string, unknown> {
  return typeof detail.text === 'string' ? { ...detail, text: storedText(sql, detail.text) } : detail;
}

function openedDetail(sql: Sql, detail: Record<string, unknown>): Record<string, unknown> {
  return typeof detail.text === 'string' ? { ...detail, text: readText(sql, detail.text) } : detail;
}

/** The details of the `escalation.notified` entries of these escalations, oldest first: who was told, and how. */
export async function escalationNotices(sql: Sql, clinicId: string, patientIds: string[], escalationIds: string[]): Promise<unknown[]> {
  const rows = await sql.query<{ detail: unknown }>(
    `SELECT detail FROM timeline
     WHERE clinic_id = $1 AND patient_id = ANY($2::text[]) AND kind = 'escalation.notified' AND detail->>'escalationId' = ANY($3::text[])
     ORDER BY id`,
    [clinicId, patientIds, escalationIds],
  );
  return rows.map((r) => r.detail);
}
