import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalEntry, chainNext, genesisHash, verifyChain, type AuditEntry, type ChainedEntry } from '../../core/audit-chain.ts';
import { retentionCutoffs } from '../../core/retention.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const entry = (overrides: Partial<AuditEntry> = {}): Omit<AuditEntry, 'seq'> => ({
  chain: 'clinic-a', at: '2026-12-01T09:00:00.000Z', actor: 'clinic-a', role: 'api-key', action: 'timeline.read', outcome: 'allowed',
  status: 200, clinicId: 'clinic-a', patientId: 'p-1', clientAddress: '127.0.0.1', ...overrides,
});
function chain(length: number): ChainedEntry[] {
  const out: ChainedEntry[] = [];
  for (let i = 0; i < length; i++) out.push(chainNext(sha256, out.at(-1) ?? { seq: 0, hash: genesisHash }, entry({ patientId: `p-${i}` })));
  return out;
}
const start = { seq: 0, hash: genesisHash };
const headOf = (entries: ChainedEntry[]) => ({ seq: entries.at(-1)!.seq, hash: entries.at(-1)!.hash });

describe('the audit chain', () => {
  it('writes the same canonical JSON whatever order the fields came in, and without stored hashes', () => {
    const e = { ...entry(), seq: 1 };
    const reversed = Object.fromEntries(Object.entries(e).reverse()) as AuditEntry;
    expect(canonicalEntry(reversed)).toBe(canonicalEntry(e));
    expect(canonicalEntry({ ...e, prevHash: 'x', hash: 'y' } as AuditEntry)).toBe(canonicalEntry(e));
    expect(canonicalEntry(e).startsWith('{"action":"timeline.read","actor":"clinic-a","at":')).toBe(true);
  });

  it('hashes sha256(prev_hash || canonical JSON)', () => {
    const [first] = chain(1);
    expect(first!.prevHash).toBe(genesisHash);
    expect(first!.hash).toBe(sha256(genesisHash + canonicalEntry(first!)));
  });

  it('passes an intact chain and one walked from a purge checkpoint', () => {
    const entries = chain(5);
    expect(verifyChain(sha256, 'clinic-a', start, entries, headOf(entries))).toBeUndefined();
    expect(verifyChain(sha256, 'clinic-a', { seq: 2, hash: entries[1]!.hash }, entries.slice(2), headOf(entries))).toBeUndefined();
  });

  it.each([
    ['an edited field', (e: ChainedEntry[]) => e.map((x) => (x.seq === 3 ? { ...x, actor: 'someone' } : x)), { seq: 3, problem: 'edited' }],
    ['a deleted entry', (e: ChainedEntry[]) => e.filter((x) => x.seq !== 3), { seq: 3, problem: 'missing' }],
    ['two entries swapped', (e: ChainedEntry[]) => [e[0]!, e[1]!, { ...e[3]!, seq: 3 }, { ...e[2]!, seq: 4 }, e[4]!], { seq: 3, problem: 'out-of-order' }],
    ['the last entry gone', (e: ChainedEntry[]) => e.slice(0, 4), { seq: 5, problem: 'truncated' }],
    ['the first entry gone without a checkpoint', (e: ChainedEntry[]) => e.slice(1), { seq: 1, problem: 'missing' }],
  ])('names the first broken entry for %s', (_name, tamper, expected) => {
    const entries = chain(5);
    expect(verifyChain(sha256, 'clinic-a', start, tamper(entries), headOf(entries))).toMatchObject({ chain: 'clinic-a', ...expected });
  });
});

describe('retention cutoffs', () => {
  it('counts calendar years in the clinic zone: two years before 29 February is 28 February', () => {
    const cut = retentionCutoffs({ messageBodies: 'P2Y', replyTexts: 'P1Y', audit: 'P6Y' }, new Date('2028-02-29T17:00:00Z'), 'America/Denver');
    expect(cut.messageBodies.toISOString()).toBe('2026-02-28T17:00:00.000Z');
    expect(cut.replyTexts.toISOString()).toBe('2027-02-28T17:00:00.000Z');
    expect(cut.audit.toISOString()).toBe('2022-02-28T17:00:00.000Z');
  });
});
