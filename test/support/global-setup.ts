import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { redisAnswers } from '../../lib/redis.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    databaseUrl: string;
  }
}

/**
 * The integration tests need a real Redis and a real PostgreSQL. Use the ones configured (or the
 * machine's defaults); start a private redis-server when none answers; say plainly when no
 * PostgreSQL does (.ci/run installs and starts one on Debian).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  let redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  let stop = () => {};
  if (!(await redisAnswers(redisUrl))) {
    if (spawnSync('redis-server', ['--version']).status !== 0)
      throw new Error(`No Redis answers at ${redisUrl} and redis-server is not installed: install Redis or set TEST_REDIS_URL.`);
    const port = 16379 + Math.floor(Math.random() * 1000);
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-test-redis-'));
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    redisUrl = `redis://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    while (!(await redisAnswers(redisUrl, 300))) {
      if (Date.now() > deadline) throw new Error('could not start a private redis-server for the tests');
      await new Promise((r) => setTimeout(r, 100));
    }
    stop = () => child.kill();
  }
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(`No PostgreSQL answers at ${databaseUrl} (${(err as Error).message}): start one or set TEST_DATABASE_URL; .ci/run installs and starts one on Debian.`);
  } finally {
    await client.end().catch(() => {});
  }
  project.provide('redisUrl', redisUrl);
  project.provide('databaseUrl', databaseUrl);
  return stop;
}
