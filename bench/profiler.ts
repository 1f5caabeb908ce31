import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * With --cpu-prof-dir, the measured phases of the cases (the product side) are recorded as windows
 * of the monotonic clock V8's profiler also uses, in <dir>/phases.jsonl. Run the bench itself under
 * `node --cpu-prof --cpu-prof-dir=<dir>` and `bench/profile-summary.ts <profile> --phase <name>`
 * keeps only the samples taken inside that phase.
 */
export async function profilePhase<T>(dir: string | undefined, name: string, work: () => Promise<T>): Promise<T> {
  if (!dir) return work();
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  try {
    return await work();
  } finally {
    const toUs = Number(process.hrtime.bigint() / 1000n);
    appendFileSync(join(dir, 'phases.jsonl'), `${JSON.stringify({ pid: process.pid, name, fromUs, toUs })}\n`);
  }
}
