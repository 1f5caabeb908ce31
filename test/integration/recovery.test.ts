import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger } from '../../lib/logger.ts';
import { ensureRedis } from '../../lib/local-redis.ts';
import { redisAnswers } from '../../lib/redis.ts';
import { ConfigError } from '../../lib/errors.ts';
import { sessionEvent, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { freePort, startPrivateRedis, type PrivateRedis } from '../support/redis-server.ts';
import { waitFor } from '../support/wait-for.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let pipeline: TestPipeline | undefined;
let redis: PrivateRedis | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  await redis?.stop();
  pipeline = undefined;
  redis = undefined;
});

const states = (p: TestPipeline) =>
  p.db.query<{ key: string; state: string }>('SELECT key, state FROM steps ORDER BY due_at, id');

describe('Redis wiped after scheduling', () => {
  it('restores every job from PostgreSQL and still sends each step exactly once', async () => {
    redis = await startPrivateRedis();
    pipeline = await startPipeline({
      env: { REDIS_URL: redis.url },
      clinics: [testClinic({ plans: { session: [
        { key: 'no-driving', template: 'no-driving', after: 'PT2S', quietHours: 'ignore', toEscort: true },
        { key: 'light-meal', template: 'light-meal', after: 'PT3S' },
        { key: 'checkin-24h', template: 'checkin-24h', after: 'PT4S' },
      ] } })],
    });
    const p = pipeline;
    await p.accept(sessionEvent());
    // One alarm per due instant: the no-driving note to patient and escort share theirs.
    await waitFor('four steps scheduled with their three alarms', async () =>
      (await states(p)).length === 4 && (await p.queues.steps.getDelayedCount()) === 3);
    const admin = new Redis(redis.url);
    // Read in the same transaction as the wipe: the reconciler (every second here) may restore jobs at once.
    const wiped = await admin.multi().flushall().zcard(p.queues.steps.keys.delayed!).exec();
    expect(wiped?.[1]?.[1]).toBe(0);
    admin.disconnect();

    await waitFor('every step sent', async () => (await states(p)).every((s) => s.state === 'sent'), 30_000);
    const sms = p.outbox('sms');
    expect(sms).toHaveLength(4);
    expect(new Set(sms.map((m) => m.messageId)).size).toBe(4);
  });

  it('enqueues an event accepted while Redis was down once Redis is back', async () => {
    redis = await startPrivateRedis({ appendonly: true });
    pipeline = await startPipeline({ env: { REDIS_URL: redis.url } });
    const p = pipeline;
    await redis.kill();
    const accepted = await p.accept(sessionEvent());
    expect(accepted.duplicate).toBe(false);
    await redis.restart();
    await waitFor('steps sent after Redis returned', async () => {
      const s = await states(p);
      return s.length === 4 && s.every((x) => x.state === 'sent');
    }, 40_000);
    expect(p.outbox('sms')).toHaveLength(4);
  });
});

describe('a malformed job', () => {
  it('fails alone with a reason and a metric while the worker keeps sending', async () => {
    pipeline = await startPipeline();
    const p = pipeline;
    await p.queues.steps.add('send', { bogus: true } as never, { jobId: 'malformed-1', attempts: 3 });
    await p.queues.steps.add('send', { stepId: 'plan-does-not-exist-step' }, { jobId: 'missing-1', attempts: 3 });
    await p.accept(sessionEvent());
    await waitFor('the real plan sent', () => p.outbox('sms').length === 4);
    const failed = await waitFor('both bad jobs failed', async () => {
      const jobs = await p.queues.steps.getFailed();
      return jobs.length === 2 ? jobs : undefined;
    });
    const reasons = failed.map((j) => j.failedReason).sort();
    expect(reasons[0]).toMatch(/^job-malformed/);
    expect(reasons[1]).toMatch(/^step-missing/);
    // Unrecoverable: tried once, not three times.
    expect(failed.map((j) => j.attemptsMade)).toEqual([1, 1]);
    const metrics = await p.metrics.registry.getSingleMetricAsString('aftercare_jobs_failed_total');
    expect(metrics).toContain('reason="job-malformed"');
  });
});

describe('a job that used up its attempts while the database refused it', () => {
  it('is retried by the reconciler once the database is back and sends once; a job that can never succeed stays failed', async () => {
    pipeline = await startPipeline({
      env: { SEND_ATTEMPTS: '2', SEND_BACKOFF: 'PT0.1S' },
      clinics: [testClinic({ plans: { session: [{ key: 'light-meal', template: 'light-meal', after: 'PT1S', quietHours: 'ignore' }] } })],
    });
    const p = pipeline;
    await p.queues.steps.add('send', { bogus: true } as never, { jobId: 'malformed-1', attempts: 2 });
    // Every send fails on a missing table until it is renamed back, as during an outage.
    await p.db.exec(`ALTER TABLE ${p.schema}.deliveries RENAME TO deliveries_away`);
    await p.accept(sessionEvent());
    const failed = await waitFor('both jobs failed', async () => {
      const jobs = await p.queues.steps.getFailed();
      return jobs.length === 2 ? jobs : undefined;
    });
    // The step's first attempt was its batch's; its own job made the second (SEND_ATTEMPTS 2).
    expect(failed.map((j) => [j.name, j.attemptsMade]).sort()).toEqual([['send', 1], ['send', 1]]);
    await p.db.exec(`ALTER TABLE ${p.schema}.deliveries_away RENAME TO deliveries`);
    await waitFor('the step sent', async () => (await states(p)).every((s) => s.state === 'sent'), 15_000);
    expect(p.outbox('sms').map((m) => m.template)).toEqual(['light-meal']);
    const stillFailed = await p.queues.steps.getFailed();
    expect(stillFailed.map((j) => [j.id, j.attemptsMade])).toEqual([['malformed-1', 1]]);
    expect(p.logLines.some((l) => l.includes('retried jobs that had used up their attempts'))).toBe(true);
  });
});

describe('embedded database', () => {
  it('runs the same flow on PGlite', async () => {
    pipeline = await startPipeline({ embedded: true });
    const p = pipeline;
    expect(p.db.kind).toBe('pglite');
    await p.accept(sessionEvent());
    await waitFor('four SMS sent', () => p.outbox('sms').length === 4);
    await waitFor('every step sent', async () => (await states(p)).every((s) => s.state === 'sent'));
  });
});

describe('a private Redis for newcomers', () => {
  it('starts redis-server with its data under the data directory when none answers, and stops it', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-local-'));
    const local = await ensureRedis(url, dir, createLogger({ level: 'silent' }), 'auto');
    expect(local.stop).toBeTypeOf('function');
    const client = new Redis(url);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await client.config('GET', 'dir')).toEqual(['dir', join(dir, 'redis')]);
    client.disconnect();
    await local.stop?.();
    expect(await redisAnswers(url, 300)).toBe(false);
  });

  it('says in one sentence how to get Redis when it may not start one', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    await expect(ensureRedis(url, tmpdir(), createLogger({ level: 'silent' }), 'never')).rejects.toThrow(ConfigError);
    await expect(ensureRedis(url, tmpdir(), createLogger({ level: 'silent' }), 'never')).rejects.toThrow(/No Redis answers at .*; start one/);
  });
});

describe('Redis settings at start', () => {
  it('refuses a Redis that may evict keys, and warns when Redis keeps nothing on disk', async () => {
    redis = await startPrivateRedis();
    const admin = new Redis(redis.url);
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await expect(startPipeline({ env: { REDIS_URL: redis.url } })).rejects.toThrow(/maxmemory-policy allkeys-lru; set it to noeviction/);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    admin.disconnect();
    pipeline = await startPipeline({ env: { REDIS_URL: redis.url } });
    expect(pipeline.logLines.join('\n')).toContain('Redis keeps nothing on disk');
  });
});
