import type { Sql } from './db.ts';

/**
 * status: sending (claimed; the provider call is in flight, or the process died during it),
 * unknown (the call failed in a way that leaves open whether the provider took the message),
 * retry (a transient failure before the provider accepted it), sent, delivered, undelivered, failed.
 */
export type DeliveryStatus = 'sending' | 'unknown' | 'retry' | 'sent' | 'delivered' | 'undelivered' | 'failed';

export type Claim =
  | { claimed: true }
  | { claimed: false; status: DeliveryStatus; providerId: string | null; claimedAt: Date };

/**
 * Takes the (step, channel) claim before calling the provider. Only a new row, or one left in
 * `retry` by a transient failure, can be claimed; anything else belongs to an earlier attempt.
 */
export async function claimDelivery(sql: Sql, d: { id: string; stepId: string; channel: 'sms' | 'email'; provider: string }): Promise<Claim> {
  const rows = await sql.query(
    `INSERT INTO deliveries (id, step_id, channel, provider, status) VALUES ($1, $2, $3, $4, 'sending')
     ON CONFLICT (id) DO UPDATE SET status = 'sending', provider = $4, claimed_at = now(), updated_at = now()
       WHERE deliveries.status = 'retry'
     RETURNING id`,
    [d.id, d.stepId, d.channel, d.provider],
  );
  if (rows.length) return { claimed: true };
  const [row] = await sql.query<{ status: DeliveryStatus; provider_id: string | null; claimed_at: Date }>(
    'SELECT status, provider_id, claimed_at FROM deliveries WHERE id = $1',
    [d.id],
  );
  if (!row) throw new Error(`delivery ${d.id} vanished while being claimed`);
  return { claimed: false, status: row.status, providerId: row.provider_id, claimedAt: row.claimed_at };
}

/**
 * Takes over a claim whose outcome is unknown: one that failed ambiguously, or one `sending`
 * since before `staleBefore` (its process died). True for the one caller that took it.
 */
export async function takeOverClaim(sql: Sql, id: string, staleBefore: Date): Promise<boolean> {
  const rows = await sql.query(
    `UPDATE deliveries SET status = 'sending', claimed_at = now(), updated_at = now()
     WHERE id = $1 AND (status = 'unknown' OR (status = 'sending' AND claimed_at < $2)) RETURNING id`,
    [id, staleBefore],
  );
  return rows.length > 0;
}

export async function recordSent(sql: Sql, id: string, providerId: string): Promise<void> {
  await sql.query(
    `UPDATE deliveries SET status = 'sent', provider_id = $2, error_code = NULL, updated_at = now()
     WHERE id = $1 AND status IN ('sending', 'unknown', 'retry')`,
    [id, providerId],
  );
}

export async function recordFailure(sql: Sql, id: string, status: 'retry' | 'unknown' | 'failed', errorCode: string): Promise<void> {
  await sql.query(`UPDATE deliveries SET status = $2, error_code = $3, updated_at = now() WHERE id = $1 AND status = 'sending'`, [id, status, errorCode]);
}
