import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { redisAnswers } from '../../lib/redis.ts';
import { freePort } from './redis-server.ts';
import { waitFor } from './wait-for.ts';

const run = promisify(execFile);

export interface RedisCluster {
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

/** A Redis Cluster of `masters` local redis-server processes on free loopback ports, no replicas. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  for (let i = 0; i < masters; i++) {
    const port = await freePort();
    ports.push(port);
    children.push(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
      '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir, '--save', '', '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' }));
  }
  for (const port of ports) await waitFor(`cluster node ${port}`, () => redisAnswers(`redis://127.0.0.1:${port}`, 300), 10_000);
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
  await waitFor('the cluster to agree it is ok', async () => {
    const states = await Promise.all(ports.map(async (port) => {
      const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
      try {
        await client.connect();
        return (await client.cluster('INFO')).includes('cluster_state:ok');
      } finally {
        client.disconnect();
      }
    }));
    return states.every(Boolean);
  }, 20_000);
  return {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    ports,
    async stop() {
      await Promise.all(children.map((c) => new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      })));
    },
  };
}
