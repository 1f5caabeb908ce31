import type { Channel } from '../core/care-plan.ts';
import type { Sql } from './db.ts';

// One staff notice per (escalation, round, person, channel): the claim taken before sending.
// `contact` is the person's place in the clinic's list, -1 for the clinic's last resort.

export interface NoticeRow {
  id: string;
  contact: number;
  channel: Channel;
  status: 'sending' | 'sent' | 'retry' | 'failed';
  createdAt: Date;
}

/** The claim for one staff notice; false when it was already sent, refused for good, or is being sent. */
export async function claimNotice(sql: Sql, n: { id: string; escalationId: string; round: number; channel: string; contact: number }): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO notices (id, escalation_id, round, channel, contact, status) VALUES ($1, $2, $3, $4, $5, 'sending')
     ON CONFLICT (id) DO UPDATE SET status = 'sending' WHERE notices.status = 'retry' RETURNING id`,
    [n.id, n.escalationId, n.round, n.channel, n.contact],
  );
  return rows.length > 0;
}

export async function recordNotice(sql: Sql, id: string, outcome: { providerId: string } | { status: 'retry' | 'failed'; errorCode: string }): Promise<void> {
  if ('providerId' in outcome) await sql.query(`UPDATE notices SET status = 'sent', provider_id = $2 WHERE id = $1`, [id, outcome.providerId]);
  else await sql.query('UPDATE notices SET status = $2, error_code = $3 WHERE id = $1', [id, outcome.status, outcome.errorCode]);
}

/** A round's notices so far: a retry sends to the same people as the round's first attempt. */
export async function roundNotices(sql: Sql, escalationId: string, round: number): Promise<NoticeRow[]> {
  const rows = await sql.query<{ id: string; contact: number; channel: Channel; status: NoticeRow['status']; created_at: Date }>(
    'SELECT id, contact, channel, status, created_at FROM notices WHERE escalation_id = $1 AND round = $2 ORDER BY created_at',
    [escalationId, round],
  );
  return rows.map((r) => ({ id: r.id, contact: r.contact, channel: r.channel, status: r.status, createdAt: r.created_at }));
}
