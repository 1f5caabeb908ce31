import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { sessionEvent, startPipeline, type TestPipeline } from '../support/pipeline.ts';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.ts';
import { waitFor } from '../support/wait-for.ts';

let cluster: RedisCluster | undefined;
let pipeline: TestPipeline | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  await cluster?.stop();
  pipeline = cluster = undefined;
});

describe('Redis Cluster', () => {
  it('runs the whole pipeline on a 3-master cluster, every queue in one hash slot', async () => {
    cluster = await startRedisCluster(3);
    pipeline = await startPipeline({ env: { REDIS_URL: cluster.url } });
    const p = pipeline;
    await p.accept(sessionEvent());
    await waitFor('four SMS sent through the cluster', () => p.outbox('sms').length === 4, 20_000);
    await waitFor('every step sent', async () =>
      (await p.db.query<{ state: string }>('SELECT state FROM steps')).every((s) => s.state === 'sent'));

    const slots = new Set<number>();
    let keyCount = 0;
    for (const port of cluster.ports) {
      const node = new Redis({ host: '127.0.0.1', port });
      const keys = await node.keys(`${p.env.QUEUE_PREFIX}*`);
      keyCount += keys.length;
      for (const key of keys) slots.add(Number(await node.call('CLUSTER', 'KEYSLOT', key)));
      node.disconnect();
    }
    expect(keyCount).toBeGreaterThan(3);
    expect(slots.size).toBe(1);
  });

  it('selects cluster mode from REDIS_CLUSTER_NODES as well', async () => {
    cluster = await startRedisCluster(3);
    const nodes = cluster.ports.map((port) => `127.0.0.1:${port}`).join(',');
    pipeline = await startPipeline({ env: { REDIS_URL: 'redis://127.0.0.1:1', REDIS_CLUSTER_NODES: nodes } });
    const p = pipeline;
    expect(p.redis).toBeInstanceOf(Cluster);
    await p.accept(sessionEvent({ escort: undefined }));
    await waitFor('three SMS sent', () => p.outbox('sms').length === 3, 20_000);
  });
});
