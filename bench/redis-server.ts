import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers } from '../lib/redis.ts';
import { freePort } from '../test/support/redis-server.ts';
import { waitUntil } from './pool.ts';
import { leanJobHashes } from '../lib/redis-policy.ts';

export { freePort };

export interface BenchRedis {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** A throwaway redis-server on a free port: nothing on disk, no eviction (BullMQ's requirement). */
export async function startBenchRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-bench-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', ...leanJobHashes], { stdio: 'ignore' });
  child.once('error', () => {});
  await waitUntil(`redis-server on port ${port}`, () => redisAnswers(url, 300), 10_000, 100);
  return {
    url,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
