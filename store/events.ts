import type { ClinicEvent } from '../core/events.ts';
import type { Sql } from './db.ts';

export type RecordOutcome = 'new' | 'duplicate' | 'conflict';

/** Stores an accepted event once per (clinic, id); a replay with another body is a conflict. */
export async function recordEvent(sql: Sql, event: ClinicEvent): Promise<RecordOutcome> {
  const patientId = event.type === 'plan.cancelled' ? event.patientId : event.patient.id;
  const inserted = await sql.query(
    `INSERT INTO events (clinic_id, id, type, patient_id, body) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (clinic_id, id) DO NOTHING RETURNING id`,
    [event.clinicId, event.id, event.type, patientId, JSON.stringify(event)],
  );
  if (inserted.length) return 'new';
  const [row] = await sql.query<{ same: boolean }>(
    'SELECT body = $3::jsonb AS same FROM events WHERE clinic_id = $1 AND id = $2',
    [event.clinicId, event.id, JSON.stringify(event)],
  );
  return row?.same ? 'duplicate' : 'conflict';
}

export async function loadEventBody(sql: Sql, clinicId: string, eventId: string): Promise<{ body: unknown; expanded: boolean } | undefined> {
  const [row] = await sql.query<{ body: unknown; expanded_at: Date | null }>(
    'SELECT body, expanded_at FROM events WHERE clinic_id = $1 AND id = $2',
    [clinicId, eventId],
  );
  return row && { body: row.body, expanded: row.expanded_at !== null };
}

export async function markExpanded(sql: Sql, clinicId: string, eventId: string): Promise<void> {
  await sql.query('UPDATE events SET expanded_at = now() WHERE clinic_id = $1 AND id = $2 AND expanded_at IS NULL', [clinicId, eventId]);
}

export async function unexpandedEvents(sql: Sql, receivedBefore: Date, limit: number): Promise<Array<{ clinicId: string; eventId: string }>> {
  const rows = await sql.query<{ clinic_id: string; id: string }>(
    'SELECT clinic_id, id FROM events WHERE expanded_at IS NULL AND received_at < $1 ORDER BY received_at LIMIT $2',
    [receivedBefore, limit],
  );
  return rows.map((r) => ({ clinicId: r.clinic_id, eventId: r.id }));
}
