import type { NoticeChannel } from '../core/escalation-policy.ts';
import type { Sql } from './db.ts';

// One staff notice per (escalation, round, person, channel): the claim taken before sending.
// `contact` is the person's place in the clinic's list, -1 for the clinic's last resort, -2 for
// someone only a rotation names; `person` is their name (null on notices from before rotations).

export interface NoticeRow {
  id: string;
  contact: number;
  person: string | null;
  channel: NoticeChannel;
  status: 'sending' | 'sent' | 'retry' | 'failed';
  createdAt: Date;
}

/** The claim for one staff notice; false when it was already sent, refused for good, or is being sent. */
export async function claimNotice(sql: Sql, n: { id: string; escalationId: string; round: number; channel: string; contact: number; person?: string }): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO notices (id, escalation_id, round, channel, contact, status, person) VALUES ($1, $2, $3, $4, $5, 'sending', $6)
     ON CONFLICT (id) DO UPDATE SET status = 'sending' WHERE notices.status = 'retry' RETURNING id`,
    [n.id, n.escalationId, n.round, n.channel, n.contact, n.person ?? null],
  );
  return rows.length > 0;
}

export async function recordNotice(sql: Sql, id: string, outcome: { providerId: string } | { status: 'retry' | 'failed'; errorCode: string }): Promise<void> {
  if ('providerId' in outcome) await sql.query(`UPDATE notices SET status = 'sent', provider_id = $2 WHERE id = $1`, [id, outcome.providerId]);
  else await sql.query('UPDATE notices SET status = $2, error_code = $3 WHERE id = $1', [id, outcome.status, outcome.errorCode]);
}

/** A round's notices so far: a retry sends to the same people as the round's first attempt. */
export async function roundNotices(sql: Sql, escalationId: string, round: number): Promise<NoticeRow[]> {
  const rows = await sql.query<{ id: string; contact: number; person: string | null; channel: NoticeChannel; status: NoticeRow['status']; created_at: Date }>(
    'SELECT id, contact, person, channel, status, created_at FROM notices WHERE escalation_id = $1 AND round = $2 ORDER BY created_at',
    [escalationId, round],
  );
  return rows.map((r) => ({ id: r.id, contact: r.contact, person: r.person, channel: r.channel, status: r.status, createdAt: r.created_at }));
}

export interface CallNotice {
  id: string;
  escalationId: string;
  round: number;
  person: string | null;
  contact: number;
  providerId: string | null;
  callStatus: string | null;
}

/** A call's notice by its id (the id its TwiML, gather and status URLs carry). */
export async function loadCallNotice(sql: Sql, id: string): Promise<CallNotice | undefined> {
  const [r] = await sql.query<{ id: string; escalation_id: string; round: number; person: string | null; contact: number; provider_id: string | null; call_status: string | null }>(
    "SELECT id, escalation_id, round, person, contact, provider_id, call_status FROM notices WHERE id = $1 AND channel = 'voice'", [id]);
  return r && { id: r.id, escalationId: r.escalation_id, round: r.round, person: r.person, contact: r.contact, providerId: r.provider_id, callStatus: r.call_status };
}

const finalCallStatuses = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];

/** Records a call's reported status; false when the call had already ended (reports may arrive out of order). */
export async function recordCallStatus(sql: Sql, id: string, status: string): Promise<boolean> {
  const rows = await sql.query(
    `UPDATE notices SET call_status = $2 WHERE id = $1 AND channel = 'voice' AND (call_status IS NULL OR NOT call_status = ANY($3::text[])) RETURNING id`,
    [id, status, finalCallStatuses],
  );
  return rows.length > 0;
}

/** Calls of an escalation placed and not yet answered or over: to be hung up once someone acknowledged. */
export async function ringingCalls(sql: Sql, escalationId: string): Promise<Array<{ id: string; providerId: string }>> {
  const rows = await sql.query<{ id: string; provider_id: string }>(
    `SELECT id, provider_id FROM notices WHERE escalation_id = $1 AND channel = 'voice' AND status = 'sent' AND provider_id IS NOT NULL
       AND (call_status IS NULL OR call_status IN ('queued', 'initiated', 'ringing'))`,
    [escalationId],
  );
  return rows.map((r) => ({ id: r.id, providerId: r.provider_id }));
}
