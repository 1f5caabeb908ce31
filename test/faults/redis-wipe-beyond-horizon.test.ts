import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultRig, type FaultRig } from '../support/fault-rig.ts';
import { inParallel, seconds, sessionFor, testPatient } from '../support/fault-population.ts';
import { atMostOnceViolations, printFigures, readRows, smsLedger } from '../support/history.ts';
import { testClinic } from '../support/pipeline.ts';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.ts';
import { waitFor } from '../support/wait-for.ts';

// Scenario: Redis wiped (FLUSHALL) while most steps are beyond SCHEDULE_HORIZON, kept in
// PostgreSQL only. The promoter brings them in as if nothing had happened, the reconciler
// restores the jobs of those already queued: every step is still sent once, and not before its time.
// Scale: 50 patients x 3 SMS, two worker processes, a 4-second horizon.

let rig: FaultRig | undefined;
let redis: PrivateRedis | undefined;
afterEach(async () => {
  await rig?.dispose();
  await redis?.stop();
  rig = undefined;
  redis = undefined;
});

const sms = (key: string, template: string, after: string) => ({ key, template, after, channel: 'sms' as const, quietHours: 'ignore' as const });
const plan = [sms('no-driving', 'no-driving', 'PT0S'), sms('light-meal', 'light-meal', 'PT12S'), sms('checkin-24h', 'checkin-24h', 'PT16S')];

describe('Redis wiped with FLUSHALL while steps wait beyond the horizon', () => {
  it('every step is still sent exactly once, at its time', async () => {
    const started = Date.now();
    redis = await startPrivateRedis();
    rig = await startFaultRig({
      redisUrl: redis.url,
      clinics: [testClinic({ plans: { session: plan } })],
      env: { CLAIM_TIMEOUT: 'PT5S', SEND_BACKOFF: 'PT0.5S', SCHEDULE_HORIZON: 'PT4S' },
    });
    const r = rig;
    await Promise.all([r.startWorker('worker 1'), r.startWorker('worker 2')]);
    const group = Array.from({ length: 50 }, (_, i) => testPatient(i));
    await inParallel(group.map((p) => sessionFor(p)), 8, (e) => r.api.accept(e));
    await waitFor('the 50 no-driving notes sent', () => r.twilio.messages.length >= 50, 30_000);

    const unqueued = async () => (await r.api.db.query<{ n: number }>('SELECT count(*)::int AS n FROM steps WHERE NOT queued'))[0]?.n ?? 0;
    const beyondAtWipe = await unqueued();
    const admin = new Redis(redis.url);
    await admin.flushall();
    const wipedAt = Date.now();
    admin.disconnect();
    // The wipe came while later steps were still in PostgreSQL only.
    expect(beyondAtWipe).toBeGreaterThan(0);

    await waitFor('every step sent', async () => {
      const rows = await readRows(r.api.db);
      return rows.steps.length === 150 && rows.steps.every((s) => s.state === 'sent');
    }, 90_000, 250);
    const rows = await readRows(r.api.db);
    const ledger = smsLedger(r.twilio.messages, rows.deliveries);
    expect(r.twilio.messages).toHaveLength(150);
    expect(ledger.duplicates).toBe(0);
    expect(atMostOnceViolations(ledger, rows.deliveries, 'sms')).toEqual([]);
    expect(await unqueued()).toBe(0);

    // At its time: never before it was due, and late by seconds, not by a reconciler's sweep of the whole plan.
    const timing = await r.api.db.query<{ late: number }>('SELECT extract(epoch FROM sent_at - due_at)::float8 AS late FROM steps');
    const lateness = timing.map((t) => t.late);
    expect(lateness.filter((l) => l < 0)).toEqual([]);
    const worst = Math.max(...lateness);
    printFigures({ scenario: 'redis-flushall-beyond-horizon', messages: 150, beyondAtWipe, worstLatenessSeconds: worst,
      allSentSeconds: seconds(wipedAt), runSeconds: seconds(started) });
    // 9 s measured with the machine at load average 20 (two worker processes on two shared cores).
    expect(worst).toBeLessThanOrEqual(15);
  });
});
