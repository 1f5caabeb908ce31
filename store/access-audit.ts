import { createHash } from 'node:crypto';
import { chainNext, chainOf, chainWalker, genesisHash, type AuditEntry, type ChainBreak, type ChainedEntry } from '../core/audit-chain.ts';
import type { Db, Sql } from './db.ts';

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** One access as the HTTP layer saw it; the chain and sequence number are given here. */
export type AccessRecord = Omit<AuditEntry, 'chain' | 'seq' | 'at'> & { at: Date };

interface EntryRow {
  chain: string;
  seq: string;
  at: Date;
  actor: string;
  role: string;
  action: string;
  outcome: 'allowed' | 'denied';
  status: number;
  clinic_id: string | null;
  patient_id: string | null;
  client_address: string | null;
  prev_hash: string;
  hash: string;
}

const fromRow = (r: EntryRow): ChainedEntry => ({
  chain: r.chain, seq: Number(r.seq), at: r.at.toISOString(), actor: r.actor, role: r.role, action: r.action, outcome: r.outcome,
  status: r.status, clinicId: r.clinic_id, patientId: r.patient_id, clientAddress: r.client_address, prevHash: r.prev_hash, hash: r.hash,
});

/** Locks the chain's head row (creating it on the first entry): appends to one chain go one at a time. */
async function lockHead(tx: Sql, chain: string): Promise<{ seq: number; hash: string; purgedThrough: number; purgedHash: string }> {
  await tx.query('INSERT INTO access_audit_heads (chain, seq, hash, purged_hash) VALUES ($1, 0, $2, $2) ON CONFLICT (chain) DO NOTHING', [chain, genesisHash]);
  const [head] = await tx.query<{ seq: string; hash: string; purged_through: string; purged_hash: string }>(
    'SELECT seq, hash, purged_through, purged_hash FROM access_audit_heads WHERE chain = $1 FOR UPDATE', [chain]);
  return { seq: Number(head!.seq), hash: head!.hash, purgedThrough: Number(head!.purged_through), purgedHash: head!.purged_hash };
}

/** Appends one entry to its clinic's chain and answers it, with its sequence number and hashes. */
export async function appendAccess(db: Db, record: AccessRecord): Promise<ChainedEntry> {
  return (await appendAccesses(db, [record]))[0]!;
}

const columns = 13;

/**
 * Appends entries in the order given, each to its clinic's chain, in one transaction: the heads
 * are locked once (in chain order, so two writers never wait on each other in a circle), the
 * entries written in one statement and each head moved once. Answers the entries in order.
 */
export async function appendAccesses(db: Db, records: AccessRecord[]): Promise<ChainedEntry[]> {
  if (records.length === 0) return [];
  const chains = [...new Set(records.map((r) => chainOf(r.clinicId)))].sort();
  return db.transaction(async (tx) => {
    const heads = new Map<string, { seq: number; hash: string }>();
    for (const chain of chains) heads.set(chain, await lockHead(tx, chain));
    const entries = records.map((record) => {
      const chain = chainOf(record.clinicId);
      const entry = chainNext(sha256Hex, heads.get(chain)!, { ...record, chain, at: record.at.toISOString() });
      heads.set(chain, { seq: entry.seq, hash: entry.hash });
      return entry;
    });
    await tx.query(
      `INSERT INTO access_audit (chain, seq, at, actor, role, action, outcome, status, clinic_id, patient_id, client_address, prev_hash, hash)
       VALUES ${entries.map((_, i) => `(${Array.from({ length: columns }, (_, c) => `$${i * columns + c + 1}`).join(', ')})`).join(', ')}`,
      entries.flatMap((e) => [e.chain, e.seq, e.at, e.actor, e.role, e.action, e.outcome, e.status, e.clinicId, e.patientId, e.clientAddress, e.prevHash, e.hash]),
    );
    for (const [chain, head] of heads) await tx.query('UPDATE access_audit_heads SET seq = $2, hash = $3 WHERE chain = $1', [chain, head.seq, head.hash]);
    return entries;
  });
}

const pageSize = 5_000;

/** Walks every chain from its last purge to its head; answers the first break of each broken chain. */
export async function verifyAccessAudit(sql: Sql): Promise<{ chains: number; entries: number; breaks: ChainBreak[] }> {
  const heads = await sql.query<{ chain: string; seq: string; hash: string; purged_through: string; purged_hash: string }>(
    'SELECT chain, seq, hash, purged_through, purged_hash FROM access_audit_heads ORDER BY chain');
  // Entries of a chain with no head row (the head was deleted) are a break too.
  const orphans = await sql.query<{ chain: string; seq: string }>(
    'SELECT a.chain, min(a.seq)::text AS seq FROM access_audit a LEFT JOIN access_audit_heads h USING (chain) WHERE h.chain IS NULL GROUP BY a.chain');
  const breaks: ChainBreak[] = orphans.map((o) => ({ chain: o.chain, seq: Number(o.seq), problem: 'out-of-order', message: `chain ${o.chain}, entry ${o.seq}: has no head record` }));
  let entries = 0;
  for (const h of heads) {
    // A page at a time: a chain holds years of entries.
    const walker = chainWalker(sha256Hex, h.chain, { seq: Number(h.purged_through), hash: h.purged_hash });
    let found: ChainBreak | undefined;
    for (let after = Number(h.purged_through); !found;) {
      const page = await sql.query<EntryRow>('SELECT * FROM access_audit WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3', [h.chain, after, pageSize]);
      for (const row of page) {
        entries++;
        found = walker.next(fromRow(row));
        if (found) break;
      }
      if (page.length < pageSize) break;
      after = Number(page.at(-1)!.seq);
    }
    found ??= walker.end({ seq: Number(h.seq), hash: h.hash });
    if (found) breaks.push(found);
  }
  return { chains: heads.length, entries, breaks };
}

export interface AuditQuery {
  clinicId?: string;
  patientId?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  /** Entries after this sequence number (paging within one clinic's chain). */
  after?: number;
  limit: number;
}

/** Entries oldest first; a clinic's own chain when `clinicId` is given. */
export async function searchAccessAudit(sql: Sql, q: AuditQuery): Promise<ChainedEntry[]> {
  const rows = await sql.query<EntryRow>(
    `SELECT * FROM access_audit
     WHERE ($1::text IS NULL OR chain = $1) AND ($2::text IS NULL OR patient_id = $2) AND ($3::text IS NULL OR actor = $3)
       AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5) AND ($6::bigint IS NULL OR seq > $6)
     ORDER BY chain, seq LIMIT $7`,
    [q.clinicId === undefined ? null : chainOf(q.clinicId), q.patientId ?? null, q.actor ?? null, q.from ?? null, q.to ?? null, q.after ?? null, q.limit],
  );
  return rows.map(fromRow);
}

/**
 * Deletes a chain's oldest entries written before `before`, from its start only (never one out of
 * the middle), and moves the head's checkpoint to the last one deleted. Answers how many went.
 */
export async function purgeAccessAudit(db: Db, chain: string, before: Date): Promise<number> {
  return db.transaction(async (tx) => {
    const head = await lockHead(tx, chain);
    const [last] = await tx.query<{ seq: string; hash: string }>(
      `SELECT seq, hash FROM access_audit WHERE chain = $1 AND at < $2
         AND seq < coalesce((SELECT min(seq) FROM access_audit WHERE chain = $1 AND at >= $2), $3 + 1)
       ORDER BY seq DESC LIMIT 1`,
      [chain, before, head.seq],
    );
    if (!last) return 0;
    const deleted = await tx.query('DELETE FROM access_audit WHERE chain = $1 AND seq <= $2 RETURNING seq', [chain, last.seq]);
    await tx.query('UPDATE access_audit_heads SET purged_through = $2, purged_hash = $3 WHERE chain = $1', [chain, last.seq, last.hash]);
    return deleted.length;
  });
}
