import { Writable } from 'node:stream';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveClinics, type ClinicInput } from '../../config/clinics.ts';
import { createLogger } from '../../lib/logger.ts';
import { dueJobId, queueNames } from '../../lib/queues.ts';
import { openService, type Service } from '../../service/index.ts';
import { sendDueSteps, sendSlots } from '../../workers/due-batch.ts';
import { expandEvents } from '../../workers/scheduler.ts';
import { batchedSendStore } from '../../workers/send-store.ts';
import { deleteKeys, sessionEvent, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// Steps due at one instant are claimed and sent together, and each still fails alone.

const clinic = testClinic({ plans: { session: [{ key: 'light-meal', template: 'light-meal', after: 'PT0S', channel: 'sms' }] } });
const clinics: ClinicInput[] = [clinic];

let pipeline: TestPipeline | undefined;
let provider: ProviderPipeline | undefined;
const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  await pipeline?.dispose();
  await provider?.dispose();
  pipeline = provider = undefined;
});

/** `count` one-message plans whose message falls due at `dueAt`, written and queued with no worker running. */
async function planAt(p: TestPipeline, count: number, dueAt: Date, first = 0): Promise<Array<{ patientId: string; sessionId: string }>> {
  const plans = Array.from({ length: count }, (_, i) => ({ patientId: `p-due-${first + i}`, sessionId: `s-due-${first + i}` }));
  const events = plans.map((x, i) => sessionEvent({
    escort: undefined,
    patient: { ...sessionEvent().patient, id: x.patientId, phone: `+1555300${String(1000 + first + i)}` },
    session: { id: x.sessionId, endedAt: dueAt.toISOString(), modality: 'iv' },
  }));
  for (let i = 0; i < events.length; i += 50) await Promise.all(events.slice(i, i + 50).map((e) => p.accept(e)));
  for (let i = 0; i < events.length; i += 100)
    expect(await expandEvents(p, events.slice(i, i + 100).map((e) => ({ clinicId: 'clinic-a', eventId: e.id })))).toEqual(Array(Math.min(100, events.length - i)).fill(undefined));
  return plans;
}

/** A worker process's service on the pipeline's schema and queues; `jobs` counts the steps queue's finished jobs by name. */
async function startWorker(p: TestPipeline, env: Record<string, string> = {}, clinicInputs = clinics, now?: () => Date): Promise<{ service: Service; jobs: Map<string, number> }> {
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const service = await openService({ env: { ...p.env, ...env }, role: 'worker', log: createLogger({ level: 'warn' }, quiet), clinics: resolveClinics({ clinics: clinicInputs }), dbSchema: p.schema, now });
  services.push(service);
  const jobs = new Map<string, number>();
  const count = (key: string) => jobs.set(key, (jobs.get(key) ?? 0) + 1);
  for (const w of service.workers!.workers.filter((w) => w.name === queueNames.steps)) {
    w.on('completed', (job) => count(`${job.name} completed`));
    w.on('failed', (job) => count(`${job?.name ?? '?'} failed`));
  }
  return { service, jobs };
}

const stepStates = async (p: TestPipeline) =>
  (await p.db.query<{ patient_id: string; state: string }>('SELECT patient_id, state FROM steps ORDER BY patient_id'));
const deliveryCounts = async (p: TestPipeline) => (await p.db.query<{ rows: number; pairs: number }>(
  'SELECT count(*)::int AS rows, count(DISTINCT (step_id, channel))::int AS pairs FROM deliveries'))[0]!;
const allFinal = (p: TestPipeline, count: number) => async () => {
  const states = await stepStates(p);
  return states.length === count && states.every((s) => s.state !== 'scheduled' && s.state !== 'sending');
};
const soon = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 1000) * 1000);

describe('sends in batches', () => {
  it('sends 300 steps due at one instant with a handful of jobs, each step once', async () => {
    pipeline = await startPipeline({ role: 'api', clinics, env: { SMS_RATE_PER_SECOND: '10000' } });
    const p = pipeline;
    const dueAt = soon(4_000);
    await planAt(p, 300, dueAt);
    expect(Date.now()).toBeLessThan(dueAt.getTime());
    expect(await p.queues.steps.getDelayedCount()).toBe(1);
    const { jobs } = await startWorker(p, { WORKER_CONCURRENCY: '50' });
    await waitFor('300 steps final', allFinal(p, 300), 30_000);

    expect((await stepStates(p)).every((s) => s.state === 'sent')).toBe(true);
    const sms = p.outbox('sms');
    expect(sms).toHaveLength(300);
    expect(new Set(sms.map((m) => m.messageId)).size).toBe(300);
    expect(await deliveryCounts(p)).toEqual({ rows: 300, pairs: 300 });
    const processed = [...jobs.values()].reduce((a, b) => a + b, 0);
    expect(processed).toBeLessThanOrEqual(5);
    expect(jobs.get('send completed') ?? 0).toBe(0);
    expect(jobs.get('due failed') ?? 0).toBe(0);
  });

  it('retries alone a step whose provider call failed for a passing reason while the rest of its batch is sent', async () => {
    provider = await startProviderPipeline({ role: 'api', clinics, env: { SEND_ATTEMPTS: '3', SEND_BACKOFF: 'PT0.2S', SMS_RATE_PER_SECOND: '10000' } });
    const { p, twilio } = provider;
    const dueAt = soon(3_000);
    await planAt(p, 20, dueAt);
    twilio.failNext({ status: 500 });
    const { jobs } = await startWorker(p);
    await waitFor('20 steps final', allFinal(p, 20), 30_000);

    expect((await stepStates(p)).every((s) => s.state === 'sent')).toBe(true);
    const posts = twilio.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(21);
    expect(twilio.messages).toHaveLength(20);
    expect(new Set(twilio.messages.map((m) => m.to)).size).toBe(20);
    expect(await deliveryCounts(p)).toEqual({ rows: 20, pairs: 20 });
    expect(jobs.get('send completed')).toBe(1);
    expect(jobs.get('due failed') ?? 0).toBe(0);
  });

  it('does not send a step cancelled before its instant, and its alarm still succeeds for the others', async () => {
    pipeline = await startPipeline({ role: 'api', clinics });
    const p = pipeline;
    const dueAt = soon(3_000);
    const plans = await planAt(p, 10, dueAt);
    const gone = plans[3]!;
    const cancel = { type: 'plan.cancelled', id: 'evt-cancel-due', clinicId: 'clinic-a', patientId: gone.patientId, reference: gone.sessionId };
    await p.accept(cancel);
    expect(await expandEvents(p, [{ clinicId: 'clinic-a', eventId: cancel.id }])).toEqual([undefined]);
    // The alarm is shared: it stays for the other nine.
    expect(await p.queues.steps.getDelayedCount()).toBe(1);
    const { jobs } = await startWorker(p);
    await waitFor('10 steps final', allFinal(p, 10), 30_000);

    const states = await stepStates(p);
    expect(states.filter((s) => s.state === 'sent')).toHaveLength(9);
    expect(states.find((s) => s.patient_id === gone.patientId)?.state).toBe('cancelled');
    expect(p.outbox('sms').map((m) => m.to)).not.toContain('+15553001003');
    expect(p.outbox('sms')).toHaveLength(9);
    await waitFor('the alarm done', async () => (jobs.get('due completed') ?? 0) >= 1);
    expect(jobs.get('due failed') ?? 0).toBe(0);
    expect(await p.queues.steps.getFailedCount()).toBe(0);
  });

  it('never lets two workers claiming the same instant at once send a step twice', async () => {
    pipeline = await startPipeline({ role: 'api', clinics, env: { SMS_RATE_PER_SECOND: '10000' } });
    const p = pipeline;
    const dueAt = soon(2_000);
    await planAt(p, 300, dueAt);
    await waitFor('the instant', async () => Date.now() >= dueAt.getTime(), 30_000);
    // Three senders, each with its own slots and its own batched statements, as three processes have.
    const sender = () => sendDueSteps({ ...p, sends: batchedSendStore(p.db) },
      { dueAt, partition: 0, partitions: 1, slots: sendSlots(50), stopping: () => false });
    const results = await Promise.all([sender(), sender(), sender()]);

    expect(results.reduce((n, r) => n + r.claimed, 0)).toBe(300);
    expect(results.every((r) => r.alone === 0)).toBe(true);
    const sms = p.outbox('sms');
    expect(sms).toHaveLength(300);
    expect(new Set(sms.map((m) => m.messageId)).size).toBe(300);
    expect(await deliveryCounts(p)).toEqual({ rows: 300, pairs: 300 });
    expect((await stepStates(p)).every((s) => s.state === 'sent')).toBe(true);
  });

  it('stops claiming when its worker closes, finishes what it claimed, and leaves the rest to the next worker', async () => {
    pipeline = await startPipeline({ role: 'api', clinics });
    const p = pipeline;
    const dueAt = soon(2_000);
    await planAt(p, 30, dueAt);
    await waitFor('the instant', async () => Date.now() >= dueAt.getTime(), 30_000);
    // Closing begins as the first step of the first page is sent, while the batch waits for slots.
    let closing = false;
    const store = batchedSendStore(p.db);
    const sends = { ...store, markStepSent: async (...args: Parameters<typeof store.markStepSent>) => {
      const moved = await store.markStepSent(...args);
      closing = true;
      return moved;
    } };
    const sender = () => sendDueSteps({ ...p, sends }, { dueAt, partition: 0, partitions: 1, slots: sendSlots(10), stopping: () => closing });
    expect(await sender()).toEqual({ claimed: 10, alone: 0, interrupted: true });
    const states = await stepStates(p);
    expect(states.filter((s) => s.state === 'sent')).toHaveLength(10);
    expect(states.filter((s) => s.state === 'scheduled')).toHaveLength(20);

    closing = false;
    const next = await sendDueSteps({ ...p, sends: batchedSendStore(p.db) }, { dueAt, partition: 0, partitions: 1, slots: sendSlots(50), stopping: () => false });
    expect(next).toEqual({ claimed: 20, alone: 0, interrupted: false });
    expect((await stepStates(p)).every((s) => s.state === 'sent')).toBe(true);
    expect(new Set(p.outbox('sms').map((m) => m.messageId)).size).toBe(30);
    expect(p.outbox('sms')).toHaveLength(30);
  });

  it('defers the steps of a batch that falls in quiet hours to one new instant, with one alarm for all of them', async () => {
    // Quiet hours begin a minute or two from now; the worker's clock is already there when the steps fall due.
    const start = DateTime.now().setZone('America/Denver').plus({ minutes: 2 }).startOf('minute');
    const quietHours = { start: start.toFormat('HH:mm'), end: start.plus({ minutes: 5 }).toFormat('HH:mm') };
    const quiet = [testClinic({ quietHours, plans: clinic.plans })];
    pipeline = await startPipeline({ role: 'api', clinics: quiet });
    const p = pipeline;
    const dueAt = soon(2_000);
    await planAt(p, 20, dueAt);
    const ahead = start.toMillis() - Date.now() + 1_000;
    await startWorker(p, {}, quiet, () => new Date(Date.now() + ahead));
    await waitFor('20 steps deferred', async () => (await p.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM steps WHERE state = 'scheduled' AND due_at > $1", [dueAt]))[0]?.n === 20, 30_000);

    const instants = await p.db.query<{ due_at: Date }>('SELECT DISTINCT due_at FROM steps');
    expect(instants).toHaveLength(1);
    const until = instants[0]!.due_at;
    expect(DateTime.fromJSDate(until).setZone('America/Denver').toFormat('HH:mm')).toBe(quietHours.end);
    const alarm = await p.queues.steps.getJob(dueJobId(until));
    expect(alarm?.data).toEqual({ dueAt: until.toISOString() });
    expect(await alarm?.isDelayed()).toBe(true);
    expect(await p.queues.steps.getDelayedCount()).toBe(1);
    expect(p.outbox('sms')).toHaveLength(0);
  });

  it('gives steps planned while the alarm of their instant runs an alarm that will run, without the reconciler', async () => {
    pipeline = await startPipeline({ role: 'api', clinics, env: { RECONCILE_EVERY: 'PT1H' } });
    const p = pipeline;
    const dueAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 1_000);
    await planAt(p, 5, dueAt);
    // The alarm taken and held, as by a worker past its last claim.
    let release = () => {};
    const held = new Promise<void>((r) => { release = r; });
    const connection = new Redis(p.env.REDIS_URL, { maxRetriesPerRequest: null });
    const holder = new Worker(queueNames.steps, () => held, { connection, prefix: p.env.QUEUE_PREFIX });
    try {
      await waitFor('the alarm running', async () => (await p.queues.steps.getJobState(dueJobId(dueAt))) === 'active');
      await planAt(p, 5, dueAt, 5);
      const next = await p.queues.steps.getJob(`${dueJobId(dueAt)}-1`);
      expect(next?.name).toBe('due');
      expect(next?.data).toEqual({ dueAt: dueAt.toISOString() });
      expect(await next?.getState()).toBe('waiting');
    } finally {
      release();
      await holder.close();
      connection.disconnect();
    }
  });

  it('still sends every step when Redis loses the alarm before the instant (the reconciler puts it back)', async () => {
    pipeline = await startPipeline({ role: 'api', clinics });
    const p = pipeline;
    const dueAt = soon(4_000);
    await planAt(p, 50, dueAt);
    await deleteKeys(p.env.REDIS_URL, `${p.env.QUEUE_PREFIX}*`);
    expect(await p.queues.steps.getDelayedCount()).toBe(0);
    await startWorker(p);
    await waitFor('50 steps final', allFinal(p, 50), 30_000);

    expect((await stepStates(p)).every((s) => s.state === 'sent')).toBe(true);
    expect(p.outbox('sms')).toHaveLength(50);
    expect(await deliveryCounts(p)).toEqual({ rows: 50, pairs: 50 });
  });
});
