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

export interface ClaimRequest {
  id: string;
  stepId: string;
  channel: 'sms' | 'email';
  provider: string;
}

/**
 * Takes each (step, channel) claim before calling the provider. Only a new row, or one left in
 * `retry` by a transient failure, can be claimed; anything else belongs to an earlier attempt.
 */
export async function claimDeliveries(sql: Sql, requests: ClaimRequest[]): Promise<Claim[]> {
  const claimed = await sql.query<{ id: string }>(
    `INSERT INTO deliveries (id, step_id, channel, provider, status)
     SELECT DISTINCT ON (id) id, step_id, channel, provider, 'sending' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS d (id, step_id, channel, provider)
     ON CONFLICT (id) DO UPDATE SET status = 'sending', provider = EXCLUDED.provider, claimed_at = now(), updated_at = now()
       WHERE deliveries.status = 'retry'
     RETURNING id`,
    [requests.map((d) => d.id), requests.map((d) => d.stepId), requests.map((d) => d.channel), requests.map((d) => d.provider)],
  );
  const won = new Set(claimed.map((r) => r.id));
  // The same send twice in one batch: only the first may take it.
  const answered = new Set<string>();
  const taken = requests.map((d) => {
    const mine = won.has(d.id) && !answered.has(d.id);
    answered.add(d.id);
    return mine;
  });
  const others = requests.filter((_, i) => !taken[i]).map((d) => d.id);
  const rows = others.length === 0 ? [] : await sql.query<{ id: string; status: DeliveryStatus; provider_id: string | null; claimed_at: Date }>(
    'SELECT id, status, provider_id, claimed_at FROM deliveries WHERE id = ANY($1::text[])',
    [others],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return requests.map((d, i): Claim => {
    if (taken[i]) return { claimed: true };
    const row = byId.get(d.id);
    if (!row) throw new Error(`delivery ${d.id} vanished while being claimed`);
    return { claimed: false, status: row.status, providerId: row.provider_id, claimedAt: row.claimed_at };
  });
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

export async function recordSent(sql: Sql, sends: Array<{ id: string; providerId: string }>): Promise<void> {
  await sql.query(
    `UPDATE deliveries d SET status = 'sent', provider_id = x.provider_id, error_code = NULL, updated_at = now()
     FROM unnest($1::text[], $2::text[]) AS x (id, provider_id)
     WHERE d.id = x.id AND d.status IN ('sending', 'unknown', 'retry')`,
    [sends.map((s) => s.id), sends.map((s) => s.providerId)],
  );
}

/** `providerId`: the provider accepted the message and only recording it failed (status `unknown`). */
export async function recordFailure(sql: Sql, id: string, status: 'retry' | 'unknown' | 'failed', errorCode: string, providerId?: string): Promise<void> {
  await sql.query(
    `UPDATE deliveries SET status = $2, error_code = $3, provider_id = coalesce($4, provider_id), updated_at = now() WHERE id = $1 AND status = 'sending'`,
    [id, status, errorCode, providerId ?? null],
  );
}
