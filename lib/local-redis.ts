import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './errors.ts';
import type { Logger } from './logger.ts';
import { redisAnswers, type ClusterNode } from './redis.ts';
import { leanJobHashes } from './redis-policy.ts';

export interface LocalRedis {
  url: string;
  /** Set when this process started its own redis-server. */
  stop?: () => Promise<void>;
}

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * A newcomer needs nothing running: when nothing answers at a local REDIS_URL, start a private
 * redis-server on that port with its data under `dataDir` (append-only, no eviction).
 */
export async function ensureRedis(url: string, dataDir: string, log: Logger, mode: 'auto' | 'never', nodes?: ClusterNode[]): Promise<LocalRedis> {
  if (await redisAnswers(url, 1_000, nodes)) return { url };
  if (nodes) throw new ConfigError(`No node of the Redis Cluster answers (${nodes.map((n) => `${n.host}:${n.port}`).join(', ')}); start the cluster or fix REDIS_URL.`);
  const parsed = new URL(url);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(parsed.hostname);
  if (mode === 'never' || !local)
    throw new ConfigError(`No Redis answers at ${parsed.host}; start one (e.g. "redis-server" or "docker compose up redis") or set REDIS_URL.`);
  if (!hasRedisServer())
    throw new ConfigError(`No Redis answers at ${parsed.host} and redis-server is not installed; install Redis (e.g. "apt-get install redis-server" or "brew install redis") or set REDIS_URL to a running one.`);
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = parsed.port || '6379';
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', port, '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--save', '', ...leanJobHashes],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswers(url, 300))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new ConfigError(`Could not start a private redis-server on port ${port}; start Redis yourself or set REDIS_URL.`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log.info({ port: Number(port), dir }, 'no Redis was running: started a private redis-server (append-only) for this process');
  return {
    url,
    stop: () =>
      new Promise((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
