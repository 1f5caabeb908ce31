import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { clusterNodes, connectRedis } from '../../lib/redis.ts';
import { startRedisCluster, type RedisCluster } from '../../test/support/redis-cluster.ts';
import { benchClinic, futurePlan, futureStepsPerEvent, sessionEvent } from '../clinic.ts';
import { newTag, openBenchService, type BenchContext } from '../harness.ts';
import { flushMasters, keySpread, keysOnMasters, type MasterKeys } from '../key-spread.ts';
import type { BenchOptions } from '../options.ts';
import { countSteps, eventsExpanded } from '../library-schedule.ts';
import { runPool } from '../pool.ts';
import { round } from '../stats.ts';

const clinicIds = Array.from({ length: 100 }, (_, i) => `clinic-${String(i).padStart(3, '0')}`);
// The shipped default: the spread a deployment gets without choosing its prefix.
const prefix = '{aftercare}';

function perMaster(masters: MasterKeys[]) {
  return {
    bytesPerMaster: masters.map((m) => m.bytes),
    keysPerMaster: masters.map((m) => m.keys),
    stepBytesPerMaster: masters.map((m) => m.stepBytes),
    stepKeysPerMaster: masters.map((m) => m.stepKeys),
    ...keySpread(masters.map((m) => m.bytes)),
  };
}

/** The 100-clinic load through the library path (service.accept, 50 in flight) with `partitions` steps queues. */
async function productLoad(ctx: BenchContext, cluster: RedisCluster, partitions: number, eventsPerClinic: number) {
  const bs = await openBenchService(ctx, {
    role: 'all', plan: futurePlan, clinics: clinicIds.map((id) => benchClinic(futurePlan, id)),
    vars: { REDIS_URL: cluster.url, QUEUE_PARTITIONS: String(partitions), QUEUE_PREFIX: prefix },
  });
  try {
    const run = newTag();
    // Sessions end at their own moments, half a second apart over the last hour, as a day's traffic does.
    const started = Date.now();
    const endedAt = (i: number) => new Date(started - (i * 500) % 3_000_000).toISOString();
    const events = clinicIds.length * eventsPerClinic;
    const messages = events * futureStepsPerEvent;
    const t0 = performance.now();
    await runPool(events, 50, async (i) => {
      const accepted = await bs.service.accept(sessionEvent(run, i, endedAt(i), clinicIds[i % clinicIds.length]));
      if (accepted.duplicate) throw new Error(`event ${accepted.eventId} was a duplicate`);
    });
    await eventsExpanded(bs, 600_000);
    const ms = performance.now() - t0;
    const written = await countSteps(bs, 'scheduled');
    if (written !== messages) throw new Error(`cluster: ${written} step rows for ${messages} messages`);
    return { partitions, messages, messagesPerSecond: round((messages / ms) * 1000), ...perMaster(await keysOnMasters(cluster.ports)) };
  } finally {
    await bs.dispose();
  }
}

/** As many ids-only delayed jobs on one BullMQ queue: one prefix, one slot, one master. */
async function rawLoad(cluster: RedisCluster, messages: number) {
  const connection = connectRedis(cluster.url, 'worker', clusterNodes(cluster.url));
  const queue = new Queue('steps', { connection, prefix: '{raw}' });
  try {
    await queue.waitUntilReady();
    const t0 = performance.now();
    await runPool(messages, 50, (i) => {
      const id = `plan-raw${String(i).padStart(18, '0')}-light-meal`;
      return queue.add('send', { stepId: id }, { jobId: id, delay: 3_600_000, removeOnComplete: true });
    });
    const ms = performance.now() - t0;
    return { messages, addsPerSecond: round((messages / ms) * 1000), ...perMaster(await keysOnMasters(cluster.ports)) };
  } finally {
    await queue.close();
    await connection.quit();
  }
}

/**
 * `cluster`: a 100-clinic load on a 3-master Redis Cluster of its own, with QUEUE_PARTITIONS=12
 * and 1: bytes and keys per master and their spread, beside raw BullMQ's one queue.
 */
export async function clusterCase(ctx: BenchContext, opts: BenchOptions): Promise<Record<string, unknown>> {
  const cluster = await startRedisCluster(3);
  try {
    const eventsPerClinic = opts.sizes.clusterEventsPerClinic;
    const messages = clinicIds.length * eventsPerClinic * futureStepsPerEvent;
    const raw = await rawLoad(cluster, messages);
    await flushMasters(cluster.ports);
    const partitioned = await productLoad(ctx, cluster, 12, eventsPerClinic);
    await flushMasters(cluster.ports);
    const unpartitioned = await productLoad(ctx, cluster, 1, eventsPerClinic);
    const yardstick = { rawBytesPerMaster: raw.bytesPerMaster, rawKeysPerMaster: raw.keysPerMaster, rawSpread: raw.spread };
    return {
      masters: cluster.ports.length,
      clinics: clinicIds.length,
      eventsPerClinic,
      messages,
      queuePrefix: prefix,
      partitioned: { ...partitioned, ...yardstick },
      unpartitioned: { ...unpartitioned, ...yardstick },
      raw,
    };
  } finally {
    await cluster.stop();
  }
}
