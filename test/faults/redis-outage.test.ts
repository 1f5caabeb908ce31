import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultRig, type FaultRig } from '../support/fault-rig.ts';
import { inParallel, secretsOf, seconds, sessionFor, staff, testPatient, type TestPatient } from '../support/fault-population.ts';
import { atMostOnceViolations, emailLedger, leaks, openSteps, printFigures, readRows, redisContents, sentWithoutProvider, smsLedger } from '../support/history.ts';
import { otherClinic, testClinic } from '../support/pipeline.ts';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.ts';
import { waitFor } from '../support/wait-for.ts';
import { jobLock } from '../../workers/index.ts';

// Scenario 3: Redis killed (kill -9) mid-run and restarted from its append-only file; and, apart,
// Redis wiped (FLUSHALL) mid-run. Workers must reconnect by themselves and the reconciler must
// restore every job. While Redis is down, patients reply STOP and with crisis words.
// Scale: 100 patients x 3 SMS per run, two worker processes, plus 10 replying patients.

let rig: FaultRig | undefined;
let redis: PrivateRedis | undefined;
afterEach(async () => {
  await rig?.dispose();
  await redis?.stop();
  rig = undefined;
  redis = undefined;
});

const sms = (key: string, template: string, after: string) => ({ key, template, after, channel: 'sms' as const, quietHours: 'ignore' as const });
const fastPlan = [sms('no-driving', 'no-driving', 'PT0S'), sms('light-meal', 'light-meal', 'PT3S'), sms('checkin-24h', 'checkin-24h', 'PT6S')];
// The replying patients' later steps fall due well after they reply.
const slowPlan = [sms('no-driving', 'no-driving', 'PT0S'), sms('light-meal', 'light-meal', 'PT15S'), sms('checkin-24h', 'checkin-24h', 'PT17S')];
const sid = () => `SM${randomBytes(16).toString('hex')}`;
// A job a worker was fetching as Redis died is active in Redis with nobody working on it; it is
// locked for the workers' lockDuration from then. The 60 s recovery bound runs from the later of the restart
// and that lock's expiry.
const lockDurationMs = jobLock.lockDuration;

async function startRun(r: FaultRig, count: number): Promise<TestPatient[]> {
  const group = Array.from({ length: count }, (_, i) => testPatient(i));
  await inParallel(group.map((p) => sessionFor(p)), 8, (e) => r.api.accept(e));
  return group;
}

interface Checked {
  duplicates: number;
}

async function checkInvariants(r: FaultRig, patients: TestPatient[], replies: string[] = []): Promise<Checked> {
  const rows = await readRows(r.api.db);
  const staffPhone = new Set([staff.phone]);
  const toPatients = r.twilio.messages.filter((m) => !staffPhone.has(m.to));
  const smsLog = smsLedger(toPatients, rows.deliveries);
  const email = emailLedger(r.smtp.messages.filter((m) => !m.to.includes(staff.email)), rows.deliveries);
  expect(smsLog.duplicates).toBe(0);
  expect(atMostOnceViolations(smsLog, rows.deliveries, 'sms')).toEqual([]);
  expect(sentWithoutProvider(rows, smsLog, email)).toEqual([]);
  const secrets = secretsOf(patients, [...new Set(r.twilio.messages.map((m) => m.body)), ...replies]);
  expect(leaks(r.logLines(), secrets)).toEqual([]);
  expect(leaks(await redisContents(r.redisUrl, r.prefix), secrets)).toEqual([]);
  return { duplicates: smsLog.duplicates + email.duplicates };
}

describe('Redis killed with kill -9 and restarted from its append-only file', () => {
  it('workers reconnect by themselves, every step is sent once, STOP and crisis replies during the outage hold', async () => {
    const started = Date.now();
    redis = await startPrivateRedis({ appendonly: true });
    rig = await startFaultRig({
      redisUrl: redis.url,
      clinics: [testClinic({ plans: { session: fastPlan } }), otherClinic({ plans: { session: slowPlan } })],
      env: { CLAIM_TIMEOUT: 'PT5S', SEND_BACKOFF: 'PT0.5S' },
    });
    const r = rig;
    const red = redis;
    await Promise.all([r.startWorker('worker 1'), r.startWorker('worker 2')]);

    const repliers = Array.from({ length: 10 }, (_, i) => testPatient(i, {}, 4_000_000));
    await inParallel(repliers.map((p) => sessionFor(p, 'clinic-b')), 4, (e) => r.api.accept(e));
    const group = await startRun(r, 100);
    await waitFor('the first 100 messages sent', () => r.twilio.messages.length >= 100, 30_000);
    await waitFor('every replier has had the no-driving note', () =>
      repliers.every((p) => r.twilio.messages.some((m) => m.to === p.phone)), 30_000);

    await red.kill();
    const downAt = Date.now();
    // While Redis is down: events are still accepted (PostgreSQL), replies are still answered.
    const late = Array.from({ length: 20 }, (_, i) => testPatient(i, {}, 5_000_000));
    const lateAccepted = await inParallel(late.map((p) => sessionFor(p)), 4, (e) => r.api.accept(e));
    const crisisText = 'I think I want to end it all tonight';
    const stopAt = new Map<string, number>();
    const crisis: Array<{ phone: string; at: number; status: number; twiml: string }> = [];
    for (const [i, p] of repliers.entries()) {
      if (i < 5) {
        const answer = await r.inbound(p.phone, 'STOP', sid());
        expect(answer.status).toBe(200);
        stopAt.set(p.phone, Date.now());
      } else {
        const at = Date.now();
        const answer = await r.inbound(p.phone, crisisText, sid());
        crisis.push({ phone: p.phone, at, status: answer.status, twiml: answer.body });
      }
    }
    // Down long enough for due jobs to pile up behind it.
    await waitFor('20 steps overdue while Redis is down', async () => {
      const [row] = await r.api.db.query<{ n: number }>("SELECT count(*)::int AS n FROM steps WHERE state = 'scheduled' AND due_at < now() - interval '1 second'");
      return (row?.n ?? 0) >= 20;
    }, 15_000, 100);
    await red.restart();
    const upAt = Date.now();
    const due = () => new Date();

    await waitFor('consumption to resume', () => r.twilio.messages.some((m) => m.receivedAt.getTime() > upAt), 30_000);
    const resumeSeconds = seconds(upAt, Math.min(...r.twilio.messages.map((m) => m.receivedAt.getTime()).filter((t) => t > upAt)));
    await waitFor('every due step final', async () => openSteps(await readRows(r.api.db), due()).length === 0, 90_000, 250);
    const allFinalSeconds = seconds(upAt);
    const healedAt = Math.max(upAt, downAt + lockDurationMs);
    const afterHealSeconds = Math.max(0, seconds(healedAt));
    // The repliers' later steps have fallen due and been dealt with.
    await waitFor('the repliers\' plans done', async () => {
      const rows = await readRows(r.api.db);
      const ids = new Set(repliers.map((p) => p.id));
      const theirs = rows.steps.filter((s) => ids.has(s.patient_id));
      return theirs.length === 30 && theirs.every((s) => s.state !== 'scheduled' && s.state !== 'sending');
    }, 60_000, 250);

    // The crisis answer at once, and staff told within 60 s, though Redis was down when it came.
    const escalations = await r.api.db.query<{ code: string; patient_id: string; raised_at: Date }>("SELECT code, patient_id, raised_at FROM escalations WHERE kind = 'urgent'");
    expect(escalations).toHaveLength(5);
    const noticeDelays = await Promise.all(crisis.map(async (c) => {
      expect(c.status).toBe(200);
      expect(c.twiml).toContain('741741');
      expect(c.twiml).toContain('988');
      const patient = repliers.find((p) => p.phone === c.phone);
      const code = escalations.find((e) => e.patient_id === patient?.id)?.code;
      const notice = await waitFor(`staff told of ${code}`, () =>
        r.twilio.messages.find((m) => m.to === staff.phone && m.body.includes(`ACK ${code}`)), 60_000);
      return seconds(c.at, notice.receivedAt.getTime());
    }));
    expect(Math.max(...noticeDelays)).toBeLessThanOrEqual(60);
    // Nothing by SMS to a patient after their STOP was recorded.
    for (const [phone, at] of stopAt) expect(r.twilio.messages.filter((m) => m.to === phone && m.receivedAt.getTime() > at)).toEqual([]);
    const rows = await readRows(r.api.db);
    const stopped = new Set(repliers.slice(0, 5).map((p) => p.id));
    expect(rows.steps.filter((s) => stopped.has(s.patient_id) && s.key !== 'no-driving').map((s) => s.state)).toEqual(Array(10).fill('cancelled'));
    // Nothing lost, nothing twice: everyone else got each message once, including the 20 accepted while Redis was down.
    expect(lateAccepted.every((a) => !a.duplicate)).toBe(true);
    const others = new Set([...group, ...late].map((p) => p.id));
    expect(rows.steps.filter((s) => others.has(s.patient_id)).map((s) => s.state)).toEqual(Array(360).fill('sent'));
    const checked = await checkInvariants(r, [...group, ...late, ...repliers], [crisisText]);
    printFigures({ scenario: 'redis-kill-9-aof', messages: 390, downSeconds: seconds(downAt, upAt), resumeSeconds, allFinalSeconds, afterHealSeconds,
      maxStaffNoticeSeconds: Math.max(...noticeDelays), duplicates: checked.duplicates, runSeconds: seconds(started) });
    expect(afterHealSeconds).toBeLessThanOrEqual(60);
  });
});

describe('Redis wiped with FLUSHALL mid-run', () => {
  it('the reconciler restores every job and each step is sent once', async () => {
    const started = Date.now();
    redis = await startPrivateRedis();
    rig = await startFaultRig({
      redisUrl: redis.url,
      clinics: [testClinic({ plans: { session: fastPlan } })],
      env: { CLAIM_TIMEOUT: 'PT5S', SEND_BACKOFF: 'PT0.5S' },
    });
    const r = rig;
    await Promise.all([r.startWorker('worker 1'), r.startWorker('worker 2')]);
    const group = await startRun(r, 100);
    await waitFor('the first 100 messages sent', () => r.twilio.messages.length >= 100, 30_000);
    const admin = new Redis(redis.url);
    await admin.flushall();
    const wipedAt = Date.now();
    const jobsLeft = await admin.dbsize();
    admin.disconnect();

    await waitFor('every step final', async () => {
      const rows = await readRows(r.api.db);
      return rows.steps.length === 300 && openSteps(rows, new Date(Date.now() + 3_600_000)).length === 0;
    }, 60_000, 250);
    const allFinalSeconds = seconds(wipedAt);
    const rows = await readRows(r.api.db);
    expect(rows.steps.map((s) => s.state)).toEqual(Array(300).fill('sent'));
    expect(r.twilio.messages).toHaveLength(300);
    const checked = await checkInvariants(r, group);
    printFigures({ scenario: 'redis-flushall', messages: 300, keysRightAfterWipe: jobsLeft, allFinalSeconds, duplicates: checked.duplicates, runSeconds: seconds(started) });
    expect(allFinalSeconds).toBeLessThanOrEqual(60);
  });
});
