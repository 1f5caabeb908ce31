import type { Sql } from './db.ts';

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
] as const;
export type TimelineKind = (typeof timelineKinds)[number];

export interface TimelineEntry {
  clinicId: string;
  patientId: string;
  kind: TimelineKind;
  stepId?: string | null;
  /** Ids, templates, channels, times and reasons; a patient's own reply text for staff; never a phone or email. */
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
      entries.map((e) => JSON.stringify(e.detail ?? {})),
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

export async function patientTimeline(sql: Sql, clinicId: string, patientId: string, limit = 500): Promise<TimelineRow[]> {
  const rows = await sql.query<{ at: Date; kind: string; step_id: string | null; detail: Record<string, unknown> }>(
    'SELECT at, kind, step_id, detail FROM timeline WHERE clinic_id = $1 AND patient_id = $2 ORDER BY id LIMIT $3',
    [clinicId, patientId, limit],
  );
  return rows.map((r) => ({ at: r.at.toISOString(), kind: r.kind, stepId: r.step_id, detail: r.detail }));
}
