import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers } from '../../lib/redis.ts';
import { waitFor } from './wait-for.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  process: ChildProcess;
  /** kill -9, as a crash would. */
  kill(): Promise<void>;
  /** Starts again on the same port and directory (its append-only file is replayed). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of the test's own, for tests that restart, freeze or wipe Redis. */
export async function startPrivateRedis(options: { appendonly?: boolean } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--maxmemory-policy', 'noeviction',
    '--appendonly', options.appendonly ? 'yes' : 'no', '--appendfsync', 'always'];
  const launch = async () => {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitFor(`redis-server on port ${port}`, () => redisAnswers(url, 300), 10_000);
    return child;
  };
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
  const server: PrivateRedis = {
    url,
    port,
    dir,
    process: await launch(),
    async kill() {
      const done = exited(server.process);
      server.process.kill('SIGKILL');
      await done;
    },
    async restart() {
      server.process = await launch();
    },
    async stop() {
      const done = exited(server.process);
      server.process.kill('SIGTERM');
      await done;
    },
  };
  return server;
}
