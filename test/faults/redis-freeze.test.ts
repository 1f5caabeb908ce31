import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultRig, type FaultRig } from '../support/fault-rig.ts';
import { inParallel, secretsOf, seconds, sessionFor, testPatient, type TestPatient } from '../support/fault-population.ts';
import { atMostOnceViolations, emailLedger, leaks, openSteps, printFigures, readRows, redisContents, sentWithoutProvider, smsLedger } from '../support/history.ts';
import { testClinic } from '../support/pipeline.ts';
import { freePort, startPrivateRedis, type PrivateRedis } from '../support/redis-server.ts';
import { waitFor } from '../support/wait-for.ts';
import { jobLock } from '../../workers/index.ts';

// Scenario 4: Redis frozen with SIGSTOP for longer than BullMQ's timeouts (the workers' lock
// and stalled check), while 30 check-ins fall due; then SIGCONT. The freeze lasts until the worker's
// /healthz (HEALTH_PORT) reports the stall, or 75 s. Scale: 30 patients x 1 SMS, one worker.

const patients = 30;
const freezeAtMost = 75_000;
// Longer than the workers' job lock and stalled check, so the freeze outlasts BullMQ's timeouts.
const stallAfterSeconds = 30;

let rig: FaultRig | undefined;
let redis: PrivateRedis | undefined;

interface Outcome {
  group: TestPatient[];
  healthBefore: number;
  /** Seconds into the freeze when /healthz first answered 503, if it did. */
  healthFailedAfter?: number;
  healthDuringFreeze: number[];
  frozenSeconds: number;
  resumeSeconds: number;
  allSentSeconds: number;
  healthAfter: number;
}
let outcome: Outcome | undefined;

async function health(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(8_000) });
    return res.status;
  } catch {
    return 0; // no answer at all
  }
}

beforeAll(async () => {
  const started = Date.now();
  redis = await startPrivateRedis();
  rig = await startFaultRig({
    redisUrl: redis.url,
    clinics: [testClinic({ plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT5S', channel: 'sms' }] } })],
    env: { CLAIM_TIMEOUT: 'PT5S', SEND_BACKOFF: 'PT0.5S' },
  });
  const r = rig;
  const red = redis;
  const port = await freePort();
  const healthz = `http://127.0.0.1:${port}/healthz`;
  await r.startWorker('worker', { HEALTH_PORT: String(port), LIVENESS_STALL_AFTER: `PT${stallAfterSeconds}S` });
  // The health server listens just after the workers start.
  const healthBefore = await waitFor('/healthz to answer', async () => ((await health(healthz)) === 200 ? 200 : 0), 15_000, 200).catch(() => 0);

  const group = Array.from({ length: patients }, (_, i) => testPatient(i));
  await inParallel(group.map((p) => sessionFor(p)), 4, (e) => r.api.accept(e));
  // One alarm per due instant among the check-ins.
  const instants = async () => (await r.api.db.query<{ n: number }>('SELECT count(DISTINCT due_at)::int AS n FROM steps HAVING count(*) = $1', [patients]))[0]?.n;
  await waitFor('30 check-ins with their delayed alarms', async () => {
    const n = await instants();
    return n !== undefined && (await r.api.queues.steps.getDelayedCount()) === n;
  }, 15_000);

  red.process.kill('SIGSTOP');
  const frozenAt = Date.now();
  const healthDuringFreeze: number[] = [];
  let healthFailedAt: number | undefined;
  // Frozen until liveness notices (or the deadline): the check-ins fall due 5 s in.
  await waitFor('the freeze to be noticed', async () => {
    const status = await health(healthz);
    healthDuringFreeze.push(status);
    if (status === 503 && healthFailedAt === undefined) healthFailedAt = Date.now();
    return healthFailedAt !== undefined || Date.now() - frozenAt > freezeAtMost;
  }, freezeAtMost + 15_000, 1_000).catch(() => undefined);
  red.process.kill('SIGCONT');
  const resumedAt = Date.now();

  await waitFor('a send after the thaw', () => r.twilio.messages.length > 0, 60_000, 100);
  const resumeSeconds = seconds(resumedAt, Math.min(...r.twilio.messages.map((m) => m.receivedAt.getTime())));
  await waitFor('every check-in final', async () => openSteps(await readRows(r.api.db)).length === 0, 60_000, 250);
  const allSentSeconds = seconds(resumedAt);
  const healthAfter = await waitFor('/healthz to recover', async () => ((await health(healthz)) === 200 ? 200 : 0), 30_000, 500).catch(() => 0);
  outcome = {
    group, healthBefore, healthDuringFreeze, healthAfter, resumeSeconds, allSentSeconds,
    frozenSeconds: seconds(frozenAt, resumedAt),
    ...(healthFailedAt !== undefined ? { healthFailedAfter: seconds(frozenAt, healthFailedAt) } : {}),
  };
  printFigures({ scenario: 'redis-sigstop', messages: patients, frozenSeconds: outcome.frozenSeconds, livenessFailedAfterSeconds: outcome.healthFailedAfter ?? null,
    resumeSeconds, allSentSeconds, runSeconds: seconds(started) });
}, 180_000);

afterAll(async () => {
  redis?.process.kill('SIGCONT');
  await rig?.dispose();
  await redis?.stop();
});

describe('Redis frozen (SIGSTOP) longer than BullMQ\'s timeouts, then resumed', () => {
  it('resumes consuming by itself and sends every check-in that fell due during the freeze once', async () => {
    const r = rig!;
    const o = outcome!;
    expect(o.frozenSeconds).toBeGreaterThan((jobLock.lockDuration + jobLock.stalledInterval) / 1000);
    expect(o.resumeSeconds).toBeLessThanOrEqual(30);
    expect(o.allSentSeconds).toBeLessThanOrEqual(60);
    const rows = await readRows(r.api.db);
    expect(rows.steps.map((s) => s.state)).toEqual(Array(patients).fill('sent'));
    const sms = smsLedger(r.twilio.messages, rows.deliveries);
    expect(sms.duplicates).toBe(0);
    expect(r.twilio.messages).toHaveLength(patients);
    expect(atMostOnceViolations(sms, rows.deliveries, 'sms')).toEqual([]);
    expect(sentWithoutProvider(rows, sms, emailLedger(r.smtp.messages, rows.deliveries))).toEqual([]);
    const secrets = secretsOf(o.group, [...new Set(r.twilio.messages.map((m) => m.body))]);
    expect(leaks(r.logLines(), secrets)).toEqual([]);
    expect(leaks(await redisContents(r.redisUrl, r.prefix), secrets)).toEqual([]);
  });

  it('fails the worker\'s /healthz while due jobs do not move, and passes again once they do', () => {
    const o = outcome!;
    expect(o.healthBefore).toBe(200);
    // About LIVENESS_STALL_AFTER after the last job moved, which was just before the freeze.
    expect(o.healthFailedAfter).toBeGreaterThanOrEqual(stallAfterSeconds - 5);
    expect(o.healthFailedAfter).toBeLessThan(stallAfterSeconds + 15);
    expect(o.healthAfter).toBe(200);
  });
});
