import type { ExpectsReply, PlanKind, StepSpec } from '../core/care-plan.ts';
import type { Sql } from './db.ts';
import { patientFromRow, type PatientRecord } from './patients.ts';

export interface PlanRecord {
  id: string;
  clinicId: string;
  patientId: string;
  kind: PlanKind;
  reference: string;
  eventId: string;
  anchorAt: string;
  zone: string;
  escortName: string | null;
  escortPhone: string | null;
  /** The clinic configuration version the plan was made with (its steps keep it); absent: not versioned. */
  configVersion?: number | null;
}

export type StepState = 'scheduled' | 'sending' | 'sent' | 'expired' | 'cancelled' | 'skipped' | 'failed';
export const finalStepStates: readonly StepState[] = ['sent', 'expired', 'cancelled', 'skipped', 'failed'];

export interface StepRecord extends StepSpec {
  id: string;
  planId: string;
  clinicId: string;
  patientId: string;
  expectsReply: ExpectsReply | null;
  dueAt: Date;
  state: StepState;
  reason: string | null;
  /** The rule that moved the planned time, when one did ('clinic-quiet-hours', 'state:FL'). */
  deferredBy?: string | null;
}

/** Inserts each plan once; returns the ids that were new (not a replay or a second event for the same session). */
export async function insertPlans(sql: Sql, plans: PlanRecord[]): Promise<Set<string>> {
  if (plans.length === 0) return new Set();
  const col = <K extends keyof PlanRecord>(k: K) => plans.map((p) => p[k]);
  const rows = await sql.query<{ id: string }>(
    `INSERT INTO plans (id, clinic_id, patient_id, kind, reference, event_id, anchor_at, zone, escort_name, escort_phone, config_version)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::int[])
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [col('id'), col('clinicId'), col('patientId'), col('kind'), col('reference'), col('eventId'), col('anchorAt'), col('zone'),
      col('escortName'), col('escortPhone'), plans.map((p) => p.configVersion ?? null)],
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * Writes the steps; those due before `horizonEnd` count as queued (the caller enqueues them now),
 * the others wait in PostgreSQL only for the promoter.
 */
export async function insertSteps(sql: Sql, steps: StepRecord[], horizonEnd: Date): Promise<void> {
  if (steps.length === 0) return;
  const col = <K extends keyof StepRecord>(k: K) => steps.map((s) => s[k]);
  await sql.query(
    `INSERT INTO steps (id, plan_id, clinic_id, patient_id, key, template, recipient, channel, critical, grace,
                        expects_reply, due_at, state, reason, deferred_by, queued)
     SELECT *, x.due_at < $16 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                          $8::text[], $9::boolean[], $10::text[], $11::jsonb[], $12::timestamptz[], $13::text[], $14::text[], $15::text[])
       AS x (id, plan_id, clinic_id, patient_id, key, template, recipient, channel, critical, grace, expects_reply, due_at, state, reason, deferred_by)
     ON CONFLICT (id) DO NOTHING`,
    [
      col('id'), col('planId'), col('clinicId'), col('patientId'), col('key'), col('template'), col('recipient'),
      col('channel'), col('critical'), col('grace'), steps.map((s) => (s.expectsReply ? JSON.stringify(s.expectsReply) : null)),
      col('dueAt'), col('state'), col('reason'), steps.map((s) => s.deferredBy ?? null), horizonEnd,
    ],
  );
}

export interface CancelRequest {
  clinicId: string;
  patientId: string;
  reference: string;
  /** The plan.cancelled event that asked for it. */
  eventId: string;
  reason: string;
}

type PlanReference = Pick<CancelRequest, 'clinicId' | 'patientId' | 'reference'>;
// Ids never hold '/', so the key is unambiguous.
export const referenceKey = (r: PlanReference) => `${r.clinicId}/${r.patientId}/${r.reference}`;

/**
 * Serialises, until the transaction ends, everything that writes or cancels these plans: a
 * cancellation then always sees its plan committed, or its record is there when the plan is written.
 * Locks are taken in one order (by lock key) so two batches never wait on each other in a circle.
 */
export async function lockPlanReferences(sql: Sql, references: PlanReference[]): Promise<void> {
  if (references.length === 0) return;
  await sql.query(
    `SELECT pg_advisory_xact_lock(h) FROM (
       SELECT DISTINCT hashtextextended(k, 7426002) AS h FROM unnest($1::text[]) AS k ORDER BY h) AS locks`,
    [[...new Set(references.map(referenceKey))]],
  );
}

/** Keeps each cancellation (the first one of a reference wins) for plans not written yet. */
export async function recordCancellations(sql: Sql, requests: CancelRequest[]): Promise<void> {
  if (requests.length === 0) return;
  await sql.query(
    `INSERT INTO plan_cancellations (clinic_id, patient_id, reference, event_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
    [requests.map((r) => r.clinicId), requests.map((r) => r.patientId), requests.map((r) => r.reference), requests.map((r) => r.eventId)],
  );
}

/** Cancellations recorded earlier for any of these plans' references. */
export async function recordedCancellations(sql: Sql, references: PlanReference[]): Promise<CancelRequest[]> {
  if (references.length === 0) return [];
  const rows = await sql.query<{ clinic_id: string; patient_id: string; reference: string; event_id: string }>(
    `SELECT c.clinic_id, c.patient_id, c.reference, c.event_id FROM plan_cancellations c
     JOIN unnest($1::text[], $2::text[], $3::text[]) AS r (clinic_id, patient_id, reference)
       ON c.clinic_id = r.clinic_id AND c.patient_id = r.patient_id AND c.reference = r.reference`,
    [references.map((r) => r.clinicId), references.map((r) => r.patientId), references.map((r) => r.reference)],
  );
  const unique = new Map(rows.map((r) => [referenceKey({ clinicId: r.clinic_id, patientId: r.patient_id, reference: r.reference }), r]));
  return [...unique.values()].map((r) => ({
    clinicId: r.clinic_id, patientId: r.patient_id, reference: r.reference, eventId: r.event_id, reason: `cancelled by event ${r.event_id}`,
  }));
}

/** A cancelled step; `queued` when it has a job in Redis (one never promoted has none). */
export interface CancelledStep {
  id: string;
  key: string;
  queued: boolean;
}

/** Cancels every step not yet sent of each request's plans; answers per request what it cancelled. */
export async function cancelPlans(sql: Sql, requests: CancelRequest[]): Promise<Array<{ plans: number; steps: CancelledStep[] }>> {
  const answers = requests.map(() => ({ plans: 0, steps: [] as CancelledStep[] }));
  if (requests.length === 0) return answers;
  const plans = await sql.query<{ id: string; n: string }>(
    `UPDATE plans p SET cancelled_at = coalesce(p.cancelled_at, now())
     FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS r (clinic_id, patient_id, reference, n)
     WHERE p.clinic_id = r.clinic_id AND p.patient_id = r.patient_id AND p.reference = r.reference
     RETURNING p.id, r.n::text`,
    [requests.map((r) => r.clinicId), requests.map((r) => r.patientId), requests.map((r) => r.reference)],
  );
  if (plans.length === 0) return answers;
  const requestOf = new Map(plans.map((p) => [p.id, Number(p.n) - 1]));
  for (const p of plans) answers[Number(p.n) - 1]!.plans++;
  const steps = await sql.query<{ id: string; key: string; plan_id: string; queued: boolean }>(
    `UPDATE steps s SET state = 'cancelled', reason = c.reason, updated_at = now()
     FROM unnest($1::text[], $2::text[]) AS c (plan_id, reason)
     WHERE s.plan_id = c.plan_id AND s.state = 'scheduled' RETURNING s.id, s.key, s.plan_id, s.queued`,
    [plans.map((p) => p.id), plans.map((p) => requests[Number(p.n) - 1]!.reason)],
  );
  for (const st of steps) answers[requestOf.get(st.plan_id)!]!.steps.push({ id: st.id, key: st.key, queued: st.queued });
  return answers;
}

/** The step's columns: the spec's own names, the rest in snake case. */
interface StepRow extends StepSpec {
  id: string;
  plan_id: string;
  clinic_id: string;
  patient_id: string;
  expects_reply: StepRecord['expectsReply'];
  due_at: Date;
  state: StepState;
  reason: string | null;
}

export function stepFromRow(r: StepRow): StepRecord {
  return {
    id: r.id,
    planId: r.plan_id,
    clinicId: r.clinic_id,
    patientId: r.patient_id,
    key: r.key,
    template: r.template,
    recipient: r.recipient,
    channel: r.channel,
    critical: r.critical,
    grace: r.grace,
    expectsReply: r.expects_reply,
    dueAt: r.due_at,
    state: r.state,
    reason: r.reason,
  };
}

export interface LoadedStep {
  step: StepRecord;
  plan: PlanRecord & { cancelledAt: Date | null };
  /** Undefined when the patient was deleted. */
  patient: PatientRecord | undefined;
}

type LoadedRow = StepRow & { p_kind: PlanRecord['kind']; p_reference: string; p_event_id: string; p_anchor_at: Date;
  p_zone: string; p_escort_name: string | null; p_escort_phone: string | null; p_cancelled_at: Date | null;
  pt_id: string | null; pt_first_name: string; pt_phone: string | null; pt_email: string | null; pt_timezone: string | null;
  pt_locale: PatientRecord['locale']; pt_channel: PatientRecord['channel']; pt_sms_consent: boolean; pt_sms_opted_out_at: Date | null;
  pt_email_opted_out: boolean };

/** A step (as `s`) with its plan and patient, for a FROM clause over steps or over steps just changed. */
const withPlanAndPatient = (steps: string) =>
  `SELECT s.*, p.kind AS p_kind, p.reference AS p_reference, p.event_id AS p_event_id, p.anchor_at AS p_anchor_at,
          p.zone AS p_zone, p.escort_name AS p_escort_name, p.escort_phone AS p_escort_phone, p.cancelled_at AS p_cancelled_at,
          pt.id AS pt_id, pt.first_name AS pt_first_name, pt.phone AS pt_phone, pt.email AS pt_email, pt.timezone AS pt_timezone,
          pt.locale AS pt_locale, pt.channel AS pt_channel, pt.sms_consent AS pt_sms_consent, pt.sms_opted_out_at AS pt_sms_opted_out_at,
          pt.email_opted_out AS pt_email_opted_out
   FROM ${steps} s JOIN plans p ON p.id = s.plan_id
   LEFT JOIN patients pt ON pt.clinic_id = s.clinic_id AND pt.id = s.patient_id`;

function loadedFromRow(row: LoadedRow): LoadedStep {
  return {
    step: stepFromRow(row),
    plan: {
      id: row.plan_id,
      clinicId: row.clinic_id,
      patientId: row.patient_id,
      kind: row.p_kind,
      reference: row.p_reference,
      eventId: row.p_event_id,
      anchorAt: row.p_anchor_at.toISOString(),
      zone: row.p_zone,
      escortName: row.p_escort_name,
      escortPhone: row.p_escort_phone,
      cancelledAt: row.p_cancelled_at,
    },
    patient: row.pt_id === null ? undefined : patientFromRow({
      clinic_id: row.clinic_id, id: row.pt_id, first_name: row.pt_first_name, phone: row.pt_phone, email: row.pt_email,
      timezone: row.pt_timezone, locale: row.pt_locale, channel: row.pt_channel, sms_consent: row.pt_sms_consent,
      sms_opted_out_at: row.pt_sms_opted_out_at, email_opted_out: row.pt_email_opted_out,
    }),
  };
}

/** Steps with their plans and patients as they are now, in one query. */
export async function loadSteps(sql: Sql, ids: string[]): Promise<Map<string, LoadedStep>> {
  const rows = await sql.query<LoadedRow>(`${withPlanAndPatient('steps')} WHERE s.id = ANY($1::text[])`, [ids]);
  return new Map(rows.map((row) => [row.id, loadedFromRow(row)]));
}

/**
 * Claims up to `limit` never-tried steps due at exactly `dueAt` (of `clinics` only, when given):
 * moves them to `sending` and answers them loaded, in one statement. Rows another claim holds are
 * skipped, so two workers never take the same step. Not limited to queued steps: one whose alarm
 * fired before the promoter marked it queued is due all the same.
 */
export async function claimDueSteps(sql: Sql, dueAt: Date, limit: number, clinics?: string[]): Promise<LoadedStep[]> {
  const rows = await sql.query<LoadedRow>(
    `WITH due AS (
       SELECT id FROM steps WHERE due_at = $1 AND state = 'scheduled' AND ($3::text[] IS NULL OR clinic_id = ANY($3::text[]))
       ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE steps SET state = 'sending', reason = NULL, updated_at = now() FROM due WHERE steps.id = due.id RETURNING steps.*
     )
     ${withPlanAndPatient('claimed')}`,
    [dueAt, limit, clinics ?? null],
  );
  return rows.map(loadedFromRow);
}

/** The clinics with never-tried steps due at exactly `dueAt`: the alarm keeps those of its partition. */
export async function clinicsDueAt(sql: Sql, dueAt: Date): Promise<string[]> {
  const rows = await sql.query<{ clinic_id: string }>(`SELECT DISTINCT clinic_id FROM steps WHERE due_at = $1 AND state = 'scheduled'`, [dueAt]);
  return rows.map((r) => r.clinic_id);
}

export async function loadStep(sql: Sql, id: string): Promise<LoadedStep | undefined> {
  return (await loadSteps(sql, [id])).get(id);
}

/** Scheduled steps whose send begins; answers the ids this call moved (another attempt may have). */
export async function startSending(sql: Sql, ids: string[]): Promise<Set<string>> {
  const rows = await sql.query<{ id: string }>(
    `UPDATE steps SET state = 'sending', reason = NULL, updated_at = now() WHERE id = ANY($1::text[]) AND state = 'scheduled' RETURNING id`,
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * Steps are sent: each one's state and what its send came to, in one statement; answers the ids
 * this call moved. The step's `step.sent` timeline entry is read from this row (store/timeline.ts):
 * key, template and recipient are the step's own, the rest of `detail` (channels, failures,
 * unavailable) is kept in `sent_outcome`.
 */
export async function markStepsSent(sql: Sql, sent: Array<{ step: StepRecord; detail: Record<string, unknown> }>): Promise<Set<string>> {
  const rows = await sql.query<{ id: string }>(
    `UPDATE steps s SET state = 'sent', reason = NULL, updated_at = now(), sent_at = now(),
       sent_outcome = x.detail - 'key' - 'template' - 'recipient'
     FROM unnest($1::text[], $2::jsonb[]) AS x (id, detail) WHERE s.id = x.id AND s.state = 'sending' RETURNING s.id`,
    [sent.map((x) => x.step.id), sent.map((x) => JSON.stringify(x.detail))],
  );
  return new Set(rows.map((r) => r.id));
}

/** A conditional state change: true only for the caller that moved the step. */
export async function moveStep(sql: Sql, id: string, from: StepState[], to: StepState, reason: string | null = null): Promise<boolean> {
  const rows = await sql.query(
    `UPDATE steps SET state = $3, reason = $4, updated_at = now(), sent_at = CASE WHEN $3 = 'sent' THEN now() ELSE sent_at END
     WHERE id = $1 AND state = ANY($2::text[]) RETURNING id`,
    [id, from, to, reason],
  );
  return rows.length > 0;
}

/** A step waits for a later time; one revived in `sending` goes back to `scheduled` until then. */
export async function deferStep(sql: Sql, id: string, dueAt: Date, reason: string): Promise<void> {
  await sql.query(
    `UPDATE steps SET state = 'scheduled', due_at = $2, reason = $3, updated_at = now() WHERE id = $1 AND state IN ('scheduled', 'sending')`,
    [id, dueAt, reason],
  );
}

/** What a step's job is made from: its id, its clinic (the queue partition), its due time and whether it was tried. */
export interface StepToQueue {
  id: string;
  clinicId: string;
  dueAt: Date;
  state: 'scheduled' | 'sending';
}
type QueueRow = { id: string; clinic_id: string; due_at: Date; state: 'scheduled' | 'sending' };
const toQueue = (r: QueueRow): StepToQueue => ({ id: r.id, clinicId: r.clinic_id, dueAt: r.due_at, state: r.state });

/**
 * Queued steps that should have a job in Redis now: still open and due before `before`; of those
 * `sending`, only the ones unchanged since `sendingSince` (younger ones are in a batch being sent).
 */
export async function openStepsDueBefore(
  sql: Sql,
  before: Date,
  limit: number,
  offset = 0,
  states: StepState[] = ['scheduled', 'sending'],
  sendingSince?: Date,
): Promise<StepToQueue[]> {
  const rows = await sql.query<QueueRow>(
    `SELECT id, clinic_id, due_at, state FROM steps
     WHERE state = ANY($4::text[]) AND due_at < $1 AND queued AND (state <> 'sending' OR $5::timestamptz IS NULL OR updated_at < $5)
     ORDER BY due_at, id LIMIT $2 OFFSET $3`,
    [before, limit, offset, states, sendingSince ?? null],
  );
  return rows.map(toQueue);
}

/** The open steps of these plans that have (or should have) a job; the promoter looks after the rest. */
export async function openStepsOfPlans(sql: Sql, plans: string[]): Promise<StepToQueue[]> {
  if (plans.length === 0) return [];
  const rows = await sql.query<QueueRow>(
    `SELECT id, clinic_id, due_at, state FROM steps WHERE plan_id = ANY($1::text[]) AND state IN ('scheduled', 'sending') AND queued`,
    [plans],
  );
  return rows.map(toQueue);
}

/**
 * Scheduled steps never put in Redis that are due before `before`, soonest first, by the
 * `steps_unqueued` index; `after` continues from the last step of the previous page.
 */
export async function unqueuedStepsDueBefore(
  sql: Sql,
  before: Date,
  limit: number,
  after?: { id: string; dueAt: Date },
): Promise<StepToQueue[]> {
  const rows = await sql.query<QueueRow>(
    `SELECT id, clinic_id, due_at, state FROM steps
     WHERE NOT queued AND state = 'scheduled' AND due_at < $1 AND ($3::timestamptz IS NULL OR (due_at, id) > ($3, $4))
     ORDER BY due_at, id LIMIT $2`,
    [before, limit, after?.dueAt ?? null, after?.id ?? null],
  );
  return rows.map(toQueue);
}

/** These steps' jobs are in Redis now. */
export async function markQueued(sql: Sql, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql.query('UPDATE steps SET queued = true WHERE id = ANY($1::text[]) AND NOT queued', [ids]);
}

/** Seconds the oldest step still waiting to be sent is past its due time; 0 when none is. */
export async function oldestOverdueSeconds(sql: Sql): Promise<number> {
  const [row] = await sql.query<{ seconds: number | null }>(
    `SELECT extract(epoch FROM now() - min(due_at))::float8 AS seconds FROM steps WHERE state IN ('scheduled', 'sending') AND due_at < now()`,
  );
  return Math.max(0, row?.seconds ?? 0);
}

/** The kind of the patient's latest plan: a reply is read in its light (relapse matters in a cessation plan). */
export async function latestPlanKind(sql: Sql, clinicId: string, patientId: string): Promise<PlanRecord['kind'] | undefined> {
  const [row] = await sql.query<{ kind: PlanRecord['kind'] }>(
    'SELECT kind FROM plans WHERE clinic_id = $1 AND patient_id = $2 ORDER BY anchor_at DESC LIMIT 1',
    [clinicId, patientId],
  );
  return row?.kind;
}
