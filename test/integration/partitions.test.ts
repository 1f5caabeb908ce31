import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { eventJobId } from '../../lib/ids.ts';
import { dueJobId, partitionOf, partitionPrefix } from '../../lib/queues.ts';
import { expandEvents } from '../../workers/scheduler.ts';
import { sessionEvent, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.ts';
import { waitFor } from '../support/wait-for.ts';

// QUEUE_PARTITIONS spreads the steps queues over hash-tagged prefixes, a clinic always on one.

let pipeline: TestPipeline | undefined;
let cluster: RedisCluster | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  await cluster?.stop();
  pipeline = undefined;
  cluster = undefined;
});

const clinicIds = Array.from({ length: 100 }, (_, i) => `clinic-${String(i).padStart(3, '0')}`);
const clinic = (id: string, plan = [{ key: 'light-meal', template: 'light-meal', after: 'PT1H' }]) => testClinic({
  id, apiKeySha256: createHash('sha256').update(`key-${id}`).digest('hex'), plans: { session: plan },
});
const eventOf = (clinicId: string, i = 0) => sessionEvent({ clinicId, escort: undefined, patient: { ...sessionEvent().patient, id: `p-${clinicId}-${i}` } });

describe('queue partitions', () => {
  it('map a clinic to the same partition every time, by its id alone, and use every partition', () => {
    const first = clinicIds.map((id) => partitionOf(id, 8));
    expect(clinicIds.map((id) => partitionOf(id, 8))).toEqual(first);
    expect(first.every((p) => Number.isInteger(p) && p >= 0 && p < 8)).toBe(true);
    expect(new Set(first).size).toBe(8);
    // Pinned: a release that hashed otherwise would strand every delayed job of a moved clinic.
    expect([partitionOf('clinic-a', 8), partitionOf('clinic-b', 8)]).toEqual([0, 3]);
    expect(clinicIds.map((id) => partitionOf(id, 1)).every((p) => p === 0)).toBe(true);
    expect(partitionPrefix('{aftercare}', 2, 4)).toBe('{aftercare-p2}');
    expect(partitionPrefix('{aftercare}', 0, 1)).toBe('{aftercare}');
  });

  it('queues each clinic\'s events on its own partition, on no other', async () => {
    const ids = ['clinic-a', 'clinic-b', ...clinicIds.slice(0, 10)];
    // No workers: the expansion jobs stay where they were queued.
    pipeline = await startPipeline({ role: 'api', env: { QUEUE_PARTITIONS: '4' }, clinics: ids.map((id) => clinic(id)) });
    const p = pipeline;
    const events = ids.map((id) => eventOf(id));
    for (const e of events) await p.accept(e);
    for (const [i, id] of ids.entries()) {
      const jobId = eventJobId(id, events[i]!.id);
      const holders = await Promise.all(p.queues.eventPartitions.map(async (q) => Boolean(await q.getJob(jobId))));
      expect(holders, id).toEqual(p.queues.eventPartitions.map((_, i) => i === partitionOf(id, 4)));
    }
  });

  it('puts each clinic\'s steps on its partition, and the workers send from every partition', async () => {
    const ids = ['clinic-a', 'clinic-b', ...clinicIds.slice(0, 20)];
    const quick = [{ key: 'light-meal', template: 'light-meal', after: 'PT4S' }];
    pipeline = await startPipeline({ env: { QUEUE_PARTITIONS: '4' }, clinics: ids.map((id) => clinic(id, quick)) });
    const p = pipeline;
    expect(new Set(ids.map((id) => partitionOf(id, 4))).size).toBe(4);
    for (const id of ids) await p.accept(eventOf(id));
    await waitFor('every step written', async () => (await p.db.query('SELECT id FROM steps')).length === ids.length);
    const steps = await p.db.query<{ id: string; clinic_id: string; due_at: Date }>('SELECT id, clinic_id, due_at FROM steps');
    // Each step's alarm is on its clinic's partition, and on another only for a step of that partition due at the same instant.
    let seen = 0;
    for (const s of steps) {
      const found = await Promise.all(p.queues.stepPartitions.map(async (q) => Boolean(await q.getJob(dueJobId(s.due_at)))));
      const expected = p.queues.stepPartitions.map((_, i) => steps.some((t) => partitionOf(t.clinic_id, 4) === i && t.due_at.getTime() === s.due_at.getTime()));
      // An alarm already run is gone from every partition.
      if (found.some(Boolean)) seen++, expect(found).toEqual(expected);
    }
    expect(seen).toBeGreaterThan(ids.length / 2);
    await waitFor('every step sent', async () =>
      (await p.db.query<{ state: string }>('SELECT state FROM steps')).every((s) => s.state === 'sent'), 20_000);
    expect(p.outbox('sms')).toHaveLength(ids.length);
  });

  it('spread the keys of a 100-clinic load over all three masters of a cluster', async () => {
    cluster = await startRedisCluster(3);
    // A fixed prefix: the cluster is this test's own, and the slots of its partitions are then known.
    pipeline = await startPipeline({ role: 'api', env: { REDIS_URL: cluster.url, QUEUE_PARTITIONS: '12', QUEUE_PREFIX: '{spread}' },
      clinics: clinicIds.map((id) => clinic(id)) });
    const p = pipeline;
    const events = clinicIds.flatMap((id) => [eventOf(id, 0), eventOf(id, 1), eventOf(id, 2)]);
    for (const e of events) await p.accept(e);
    await expandEvents(p, events.map((e) => ({ clinicId: e.clinicId, eventId: e.id })));
    // One alarm per due instant and partition.
    const alarms = new Set((await p.db.query<{ clinic_id: string; due_at: Date }>('SELECT clinic_id, due_at FROM steps'))
      .map((s) => `${partitionOf(s.clinic_id, 12)} ${dueJobId(s.due_at)}`));
    let jobs = 0;
    for (const q of p.queues.stepPartitions) jobs += await q.getDelayedCount();
    expect(jobs).toBe(alarms.size);

    const bytes: number[] = [];
    for (const port of cluster.ports) {
      const node = new Redis({ host: '127.0.0.1', port });
      const keys = await node.keys('{spread-p*');
      let total = 0;
      for (const key of keys) total += Number(await node.call('MEMORY', 'USAGE', key)) || 0;
      bytes.push(total);
      node.disconnect();
    }
    console.log(`bytes per master: ${bytes.join(', ')}`);
    expect(bytes.every((b) => b > 0)).toBe(true);
    // No master holds most of it.
    expect(Math.max(...bytes) / bytes.reduce((a, b) => a + b, 0)).toBeLessThan(0.6);
  });
});
