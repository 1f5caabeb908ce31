import type { Channel } from '../core/care-plan.ts';
import type { Sql } from './db.ts';

/**
 * status: sending (claimed; the provider call is in flight, or the process died during it),
 * unknown (the call failed in a way that leaves open whether the provider took the message),
 * retry (a transient failure before the provider accepted it), sent, delivered, undelivered, failed.
 */
export type DeliveryStatus = 'sending' | 'unknown' | 'retry' | 'sent' | 'delivered' | 'undelivered' | 'failed';

/** Why a send may no longer be claimed: its plan or step was cancelled, or the patient opted out of its channel. */
export type Refusal = 'cancelled' | 'opted-out';

export type Claim =
  | { claimed: true }
  | { claimed: false; refused: Refusal }
  | { claimed: false; refused: null; status: DeliveryStatus; providerId: string | null; claimedAt: Date };

export interface ClaimRequest {
  id: string;
  stepId: string;
  channel: Channel;
  provider: string;
}

// Whether a send is still allowed, read by the claim statement itself: the claim runs inside the
// send's rate-limit slot, right before the provider call, so a STOP or a cancellation committed
// while the send waited for its slot stops it. `r` is the claimed delivery; one line per channel's opt-out.
const refusal = `CASE
    WHEN p.cancelled_at IS NOT NULL OR s.state = 'cancelled' THEN 'cancelled'
    WHEN r.channel = 'sms' AND pt.sms_opted_out_at IS NOT NULL THEN 'opted-out'
    WHEN r.channel = 'email' AND pt.email_opted_out THEN 'opted-out'
  END`;
const ofStep = `LEFT JOIN steps s ON s.id = r.step_id LEFT JOIN plans p ON p.id = s.plan_id
  LEFT JOIN patients pt ON pt.clinic_id = s.clinic_id AND pt.id = s.patient_id`;

/**
 * Takes each (step, channel) claim right before calling the provider. Only a new row, or one left
 * in `retry` by a transient failure, can be claimed, and only while the send is still allowed;
 * anything else belongs to an earlier attempt.
 */
export async function claimDeliveries(sql: Sql, requests: ClaimRequest[]): Promise<Claim[]> {
  const checked = await sql.query<{ id: string; refused: Refusal | null; won: boolean }>(
    `WITH r AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS r (id, step_id, channel, provider, n)
     ), checked AS (
       SELECT r.*, ${refusal} AS refused FROM r ${ofStep}
     ), claimed AS (
       INSERT INTO deliveries (id, step_id, channel, provider, status)
       SELECT DISTINCT ON (id) id, step_id, channel, provider, 'sending' FROM checked WHERE refused IS NULL ORDER BY id, n
       ON CONFLICT (id) DO UPDATE SET status = 'sending', provider = EXCLUDED.provider, claimed_at = now(), updated_at = now()
         WHERE deliveries.status = 'retry'
       RETURNING id
     )
     SELECT c.id, c.refused, EXISTS (SELECT 1 FROM claimed WHERE claimed.id = c.id) AS won FROM checked c ORDER BY c.n`,
    [requests.map((d) => d.id), requests.map((d) => d.stepId), requests.map((d) => d.channel), requests.map((d) => d.provider)],
  );
  // The same send twice in one batch: only the first may take it.
  const answered = new Set<string>();
  const taken = requests.map((d, i) => {
    const mine = checked[i]?.won === true && !answered.has(d.id);
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
    const refused = checked[i]?.refused ?? null;
    // An earlier attempt's outcome counts before a refusal: a send that went is sent.
    if (refused && (!row || row.status === 'retry')) return { claimed: false, refused };
    if (!row) throw new Error(`delivery ${d.id} vanished while being claimed`);
    return { claimed: false, refused: null, status: row.status, providerId: row.provider_id, claimedAt: row.claimed_at };
  });
}

/**
 * Takes over a claim whose outcome is unknown: one that failed ambiguously, or one `sending`
 * since before `staleBefore` (its process died), while the send is still allowed.
 */
export async function takeOverClaim(sql: Sql, id: string, staleBefore: Date): Promise<{ claimed: true } | { claimed: false; refused: Refusal | null }> {
  const [row] = await sql.query<{ refused: Refusal | null; taken: boolean }>(
    `WITH checked AS (
       SELECT r.id, ${refusal} AS refused FROM deliveries r ${ofStep} WHERE r.id = $1
     ), taken AS (
       UPDATE deliveries d SET status = 'sending', claimed_at = now(), updated_at = now() FROM checked c
       WHERE d.id = c.id AND c.refused IS NULL AND (d.status = 'unknown' OR (d.status = 'sending' AND d.claimed_at < $2)) RETURNING d.id
     )
     SELECT c.refused, EXISTS (SELECT 1 FROM taken) AS taken FROM checked c`,
    [id, staleBefore],
  );
  return row?.taken ? { claimed: true } : { claimed: false, refused: row?.refused ?? null };
}

/** The claims of these sends as they stand, without taking any. */
export async function loadClaims(sql: Sql, ids: string[]): Promise<Map<string, { status: DeliveryStatus; providerId: string | null; claimedAt: Date }>> {
  const rows = await sql.query<{ id: string; status: DeliveryStatus; provider_id: string | null; claimed_at: Date }>(
    'SELECT id, status, provider_id, claimed_at FROM deliveries WHERE id = ANY($1::text[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, { status: r.status, providerId: r.provider_id, claimedAt: r.claimed_at }]));
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
