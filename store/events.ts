import type { ClinicEvent } from '../core/events.ts';
import type { Sql } from './db.ts';

export type RecordOutcome = 'new' | 'duplicate' | 'conflict';

const patientOf = (e: ClinicEvent) => (e.type === 'plan.cancelled' ? e.patientId : e.patient.id);

/**
 * Stores accepted events once per (clinic, id), in order: the first of an id is new, a replay
 * with the same body a duplicate, one with another body a conflict (also within one batch).
 */
export async function recordEvents(sql: Sql, events: ClinicEvent[]): Promise<RecordOutcome[]> {
  if (events.length === 0) return [];
  const bodies = events.map((e) => JSON.stringify(e));
  const inserted = await sql.query<{ n: string }>(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[]) WITH ORDINALITY AS i (clinic_id, id, type, patient_id, body, n)
     ), firsts AS (
       SELECT DISTINCT ON (clinic_id, id) * FROM input ORDER BY clinic_id, id, n
     ), stored AS (
       INSERT INTO events (clinic_id, id, type, patient_id, body)
       SELECT clinic_id, id, type, patient_id, body FROM firsts ORDER BY n
       ON CONFLICT (clinic_id, id) DO NOTHING RETURNING clinic_id, id
     )
     SELECT f.n::text FROM firsts f JOIN stored s USING (clinic_id, id)`,
    [events.map((e) => e.clinicId), events.map((e) => e.id), events.map((e) => e.type), events.map(patientOf), bodies],
  );
  const isNew = new Set(inserted.map((r) => Number(r.n) - 1));
  const outcomes: RecordOutcome[] = events.map((_, i) => (isNew.has(i) ? 'new' : 'duplicate'));
  const others = events.flatMap((e, i) => (isNew.has(i) ? [] : [{ e, i }]));
  if (others.length === 0) return outcomes;
  const same = await sql.query<{ n: string; same: boolean }>(
    `SELECT i.n::text, e.body = i.body AS same
     FROM unnest($1::text[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS i (clinic_id, id, body, n)
     JOIN events e ON e.clinic_id = i.clinic_id AND e.id = i.id`,
    [others.map((o) => o.e.clinicId), others.map((o) => o.e.id), others.map((o) => bodies[o.i])],
  );
  for (const row of same) if (!row.same) outcomes[others[Number(row.n) - 1]!.i] = 'conflict';
  return outcomes;
}

export interface StoredEvent {
  clinicId: string;
  eventId: string;
  body: unknown;
}

export async function loadEventBodies(sql: Sql, keys: Array<{ clinicId: string; eventId: string }>): Promise<StoredEvent[]> {
  const rows = await sql.query<{ clinic_id: string; id: string; body: unknown }>(
    `SELECT e.clinic_id, e.id, e.body FROM events e
     JOIN unnest($1::text[], $2::text[]) AS k (clinic_id, id) ON e.clinic_id = k.clinic_id AND e.id = k.id`,
    [keys.map((k) => k.clinicId), keys.map((k) => k.eventId)],
  );
  return rows.map((r) => ({ clinicId: r.clinic_id, eventId: r.id, body: r.body }));
}

export async function markExpanded(sql: Sql, keys: Array<{ clinicId: string; eventId: string }>): Promise<void> {
  if (keys.length === 0) return;
  await sql.query(
    `UPDATE events e SET expanded_at = now() FROM unnest($1::text[], $2::text[]) AS k (clinic_id, id)
     WHERE e.clinic_id = k.clinic_id AND e.id = k.id AND e.expanded_at IS NULL`,
    [keys.map((k) => k.clinicId), keys.map((k) => k.eventId)],
  );
}

export async function unexpandedEvents(sql: Sql, receivedBefore: Date, limit: number): Promise<Array<{ clinicId: string; eventId: string }>> {
  const rows = await sql.query<{ clinic_id: string; id: string }>(
    'SELECT clinic_id, id FROM events WHERE expanded_at IS NULL AND received_at < $1 ORDER BY received_at LIMIT $2',
    [receivedBefore, limit],
  );
  return rows.map((r) => ({ clinicId: r.clinic_id, eventId: r.id }));
}
