import { z } from 'zod';

// The access audit is a hash chain: each entry stores the hash of the one before it, and its own
// hash covers that and every field, so an edited, deleted or reordered entry shows when the chain
// is walked again. The digest (SHA-256) is handed in: core/ does no I/O and imports no crypto.

export const auditOutcomes = ['allowed', 'denied'] as const;
export const auditEntrySchema = z.strictObject({
  chain: z.string().min(1).max(128),
  seq: z.number().int().positive(),
  at: z.string(),
  actor: z.string().min(1).max(200),
  role: z.string().min(1).max(40),
  action: z.string().regex(/^[a-z]+(?:[.-][a-z]+)*$/, 'expected an action such as timeline.read'),
  outcome: z.enum(auditOutcomes),
  status: z.number().int(),
  clinicId: z.string().nullable(),
  patientId: z.string().nullable(),
  clientAddress: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;
const entryFields = (Object.keys(auditEntrySchema.shape) as Array<keyof AuditEntry>).sort();
export interface ChainedEntry extends AuditEntry {
  prevHash: string;
  hash: string;
}

/** Where every chain starts: the prev_hash of its first entry. */
export const genesisHash = '0'.repeat(64);

/** Which chain an entry belongs to: its clinic's, or the operator's for entries without one. */
export const chainOf = (clinicId: string | null | undefined): string => clinicId ?? '-';

/** JSON with keys in sorted order and nothing optional: the same entry always gives the same text. */
export function canonicalEntry(entry: AuditEntry): string {
  // Only the entry's own fields, in sorted order: a stored row's prev_hash and hash are not part of it.
  return JSON.stringify(Object.fromEntries(entryFields.map((k) => [k, entry[k]])));
}

export type Digest = (text: string) => string;

/** `sha256(prev_hash || canonical JSON of the entry)`, in hex. */
export const entryHash = (digest: Digest, prevHash: string, entry: AuditEntry): string => digest(prevHash + canonicalEntry(entry));

/** The next entry of a chain whose last entry is `head`. */
export function chainNext(digest: Digest, head: { seq: number; hash: string }, entry: Omit<AuditEntry, 'seq'>): ChainedEntry {
  const next = { ...entry, seq: head.seq + 1 };
  return { ...next, prevHash: head.hash, hash: entryHash(digest, head.hash, next) };
}

export interface ChainBreak {
  chain: string;
  seq: number;
  problem: 'edited' | 'missing' | 'out-of-order' | 'truncated';
  message: string;
}

/**
 * Follows a chain entry by entry from where it starts (after the last purge: `start`), so a long
 * chain is checked page by page: `next` answers the first entry that does not follow, `end` whether
 * the chain reaches the head its head row records.
 */
export function chainWalker(digest: Digest, chain: string, start: { seq: number; hash: string }) {
  let expected = { seq: start.seq + 1, prevHash: start.hash };
  const broken = (seq: number, problem: ChainBreak['problem'], message: string): ChainBreak => ({ chain, seq, problem, message: `chain ${chain}, entry ${seq}: ${message}` });
  return {
    next(e: ChainedEntry): ChainBreak | undefined {
      if (e.seq > expected.seq) return broken(expected.seq, 'missing', `missing (the next stored entry is ${e.seq})`);
      if (e.seq < expected.seq) return broken(e.seq, 'out-of-order', `out of order (expected entry ${expected.seq})`);
      if (e.prevHash !== expected.prevHash) return broken(e.seq, 'out-of-order', 'does not follow the entry before it (its prev_hash differs)');
      if (entryHash(digest, e.prevHash, e) !== e.hash) return broken(e.seq, 'edited', 'was changed after it was written (its hash does not match its content)');
      expected = { seq: e.seq + 1, prevHash: e.hash };
      return undefined;
    },
    end(head: { seq: number; hash: string }): ChainBreak | undefined {
      if (expected.seq - 1 === head.seq && expected.prevHash === head.hash) return undefined;
      return broken(expected.seq, 'truncated', `missing: the chain ends at entry ${expected.seq - 1} but its head records entry ${head.seq}`);
    },
  };
}

/** The first entry of a whole chain that does not follow, or undefined when all do. */
export function verifyChain(
  digest: Digest,
  chain: string,
  start: { seq: number; hash: string },
  entries: Iterable<ChainedEntry>,
  head: { seq: number; hash: string },
): ChainBreak | undefined {
  const walker = chainWalker(digest, chain, start);
  for (const e of entries) {
    const found = walker.next(e);
    if (found) return found;
  }
  return walker.end(head);
}
