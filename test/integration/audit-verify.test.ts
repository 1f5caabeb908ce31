import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendAccess } from '../../store/access-audit.ts';
import { startPipeline, testDatabaseUrl, type TestPipeline } from '../support/pipeline.ts';

// `aftercare audit verify` as an operator runs it: a process, an exit code and a sentence naming the entry.

// Starting the CLI compiles it first: on a busy 2-core machine that alone can take half a minute.
const cliTimeout = 180_000;

interface Run { code: number; stdout: string; stderr: string }
function aftercare(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bin/aftercare.ts', ...args], {
      cwd: process.cwd(), env: { PATH: process.env.PATH ?? '', START_LOCAL_REDIS: 'never', LOG_LEVEL: 'warn', ...env }, timeout: 150_000,
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

let p: TestPipeline | undefined;
afterEach(async () => {
  await p?.dispose();
  p = undefined;
});

const tamperings = [
  ['edit', "UPDATE access_audit SET patient_id = 'p-2' WHERE chain = 'c-edit' AND seq = 2", 'chain c-edit, entry 2: was changed after it was written'],
  ['rehash', "UPDATE access_audit SET hash = repeat('a', 64) WHERE chain = 'c-rehash' AND seq = 2", 'chain c-rehash, entry 2: was changed after it was written'],
  ['delete', "DELETE FROM access_audit WHERE chain = 'c-delete' AND seq = 2", 'chain c-delete, entry 2: missing (the next stored entry is 3)'],
  ['swap', "UPDATE access_audit SET seq = -seq WHERE chain = 'c-swap' AND seq IN (2, 3); UPDATE access_audit SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE chain = 'c-swap' AND seq < 0",
    'chain c-swap, entry 2: does not follow the entry before it'],
  ['tail', "DELETE FROM access_audit WHERE chain = 'c-tail' AND seq = 4", 'chain c-tail, entry 4: missing: the chain ends at entry 3 but its head records entry 4'],
] as const;

/** Four entries in each clinic's chain: one intact, one for each way of tampering. */
async function withChains() {
  p = await startPipeline({ role: 'client' });
  for (const clinicId of ['c-intact', ...tamperings.map(([name]) => `c-${name}`)])
    for (let i = 0; i < 4; i++)
      await appendAccess(p.db, { actor: clinicId, role: 'api-key', action: 'timeline.read', outcome: 'allowed', status: 200, clinicId, patientId: 'p-1', clientAddress: '127.0.0.1', at: new Date() });
  return { pipe: p, env: { DATABASE_URL: testDatabaseUrl ?? '', DATABASE_SCHEMA: p.schema, DATA_DIR: mkdtempSync(join(tmpdir(), 'aftercare-verify-')) } };
}

describe('aftercare audit verify', () => {
  it('passes intact chains and says how much it checked', async () => {
    const { env } = await withChains();
    const run = await aftercare(['audit', 'verify'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Access audit intact: 24 entries in 6 chains.\n');
  }, cliTimeout);

  it('fails on an edited, re-hashed, deleted, reordered or cut-off entry, naming the first broken entry of each chain, with exit code 1', async () => {
    const { pipe, env } = await withChains();
    for (const [, tamper] of tamperings) for (const statement of tamper.split('; ')) await pipe.db.query(statement);
    const run = await aftercare(['audit', 'verify'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines.slice(0, -1).map((l) => l.replace(/ \(its .*\)$/, ''))).toEqual(tamperings.map(([, , message]) => `broken: ${message}`).sort());
    expect(lines.at(-1)).toBe('Access audit BROKEN in 5 of 6 chains.');
  }, cliTimeout);
});
