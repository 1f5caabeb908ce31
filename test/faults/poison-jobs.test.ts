import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNames } from '../../lib/queues.ts';
import { startFaultRig, type FaultRig } from '../support/fault-rig.ts';
import { inParallel, secretsOf, seconds, sessionFor, testPatient, type TestPatient } from '../support/fault-population.ts';
import { leaks, printFigures, readRows, redisContents, type Rows } from '../support/history.ts';
import { testClinic } from '../support/pipeline.ts';
import type { AftercareProcess } from '../support/processes.ts';
import { freePort } from '../support/redis-server.ts';
import { waitFor } from '../support/wait-for.ts';

// Scenario 9: poison in the queues, one `aftercare worker` (HEALTH_PORT for /metrics): a step job
// and an event job with malformed data, a step whose template was removed after it was planned
// (a deploy that drops a template), and a patient deleted between planning and sending. Each
// fails alone, once, with a reason code and aftercare_jobs_failed_total; everyone else is sent.
// Scale: 12 patients x 1 SMS, 2 malformed jobs.

let rig: FaultRig | undefined;
let worker: AftercareProcess | undefined;
let metricsText = '';
let healthz = 0;
let rows: Rows | undefined;
let failed: Array<{ queue: string; id: string; reason: string; attempts: number }> = [];
const good = Array.from({ length: 10 }, (_, i) => testPatient(i));
const templateGone = testPatient(20);
const deleted = testPatient(21);

beforeAll(async () => {
  const started = Date.now();
  rig = await startFaultRig({
    clinics: [testClinic({ plans: { session: [{ key: 'light-meal', template: 'light-meal', after: 'PT3S', channel: 'sms' }] } })],
  });
  const r = rig;
  const port = await freePort();
  worker = await r.startWorker('worker', { HEALTH_PORT: String(port) });

  const patients: TestPatient[] = [...good, templateGone, deleted];
  await inParallel(patients.map((p) => sessionFor(p)), 4, (e) => r.api.accept(e));
  await waitFor('12 steps planned', async () => (await readRows(r.api.db)).steps.length === 12, 15_000);
  // Before they fall due: the template disappears, the patient record goes.
  await r.api.db.query("UPDATE steps SET template = 'no-such-template' WHERE patient_id = $1", [templateGone.id]);
  await r.api.db.query('DELETE FROM patients WHERE id = $1', [deleted.id]);
  // Untyped queues: the point is data the job schemas reject.
  const connection = new Redis(r.redisUrl, { maxRetriesPerRequest: null });
  const steps = new Queue(queueNames.steps, { connection, prefix: r.prefix });
  const events = new Queue(queueNames.events, { connection, prefix: r.prefix });
  await steps.add('send', { step: 42, extra: 'field' }, { jobId: 'malformed-step', attempts: 3 });
  await events.add('expand', { clinicId: 'clinic-a' }, { jobId: 'malformed-event', attempts: 3 });

  await waitFor('the good steps sent and the bad jobs failed', async () => {
    const [s, e] = await Promise.all([steps.getFailed(), events.getFailed()]);
    const sent = (await readRows(r.api.db)).steps.filter((x) => x.state === 'sent').length;
    return sent === good.length && s.length === 3 && e.length === 1;
  }, 30_000, 250);
  failed = [
    ...(await steps.getFailed()).map((j) => ({ queue: 'steps', id: j.id ?? '', reason: j.failedReason, attempts: j.attemptsMade })),
    ...(await events.getFailed()).map((j) => ({ queue: 'events', id: j.id ?? '', reason: j.failedReason, attempts: j.attemptsMade })),
  ];
  await Promise.all([steps.close(), events.close()]);
  connection.disconnect();
  metricsText = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  healthz = (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
  rows = await readRows(r.api.db);
  printFigures({ scenario: 'poison-jobs', patients: 12, malformedJobs: 2, failedJobs: failed.map((f) => f.reason.split(':')[0]), runSeconds: seconds(started) });
}, 60_000);

afterAll(async () => {
  await rig?.dispose();
});

const stepOf = (p: TestPatient) => rows?.steps.find((s) => s.patient_id === p.id);
const failedCount = (queue: string, reason: string) =>
  Number(new RegExp(`aftercare_jobs_failed_total\\{queue="${queue}",reason="${reason}"\\} (\\d+)`).exec(metricsText)?.[1] ?? 0);

describe('poison in the queues', () => {
  it('fails a malformed step job and a malformed event job alone, once, as job-malformed, and counts them', () => {
    const malformed = failed.filter((f) => f.id.startsWith('malformed-'));
    expect(malformed.map((f) => [f.queue, f.reason.split(':')[0], f.attempts]).sort()).toEqual([['events', 'job-malformed', 1], ['steps', 'job-malformed', 1]]);
    expect(failedCount('steps', 'job-malformed')).toBe(1);
    expect(failedCount('events', 'job-malformed')).toBe(1);
  });

  it('fails the step of a deleted patient once as patient-missing and records the step as failed', () => {
    const step = stepOf(deleted);
    expect(failed.find((f) => f.id === step?.id)).toMatchObject({ reason: expect.stringMatching(/^patient-missing/), attempts: 1 });
    expect(step).toMatchObject({ state: 'failed', reason: 'patient record missing' });
    expect(failedCount('steps', 'patient-missing')).toBe(1);
  });

  it('fails the job of a step whose template is gone once as template-unknown, and counts it', () => {
    const step = stepOf(templateGone);
    expect(failed.find((f) => f.id === step?.id)).toMatchObject({ reason: expect.stringMatching(/^template-unknown/), attempts: 1 });
    expect(failedCount('steps', 'template-unknown')).toBe(1);
  });

  it('records the step whose template is gone as failed with the reason (every step ends)', () => {
    expect(stepOf(templateGone)).toMatchObject({ state: 'failed', reason: expect.stringContaining('template') });
  });

  it('keeps sending everyone else, stays healthy, and logs nobody', async () => {
    const r = rig!;
    expect(good.map((p) => stepOf(p)?.state)).toEqual(Array(good.length).fill('sent'));
    expect(r.twilio.messages.map((m) => m.to).sort()).toEqual(good.map((p) => p.phone).sort());
    expect(worker?.running()).toBe(true);
    expect(healthz).toBe(200);
    const secrets = secretsOf([...good, templateGone, deleted], r.twilio.messages.map((m) => m.body));
    expect(leaks(r.logLines(), secrets)).toEqual([]);
    expect(leaks(await redisContents(r.redisUrl, r.prefix), secrets)).toEqual([]);
  });
});
