import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { promoteSteps } from '../../workers/promoter.ts';
import { expandEvents } from '../../workers/scheduler.ts';
import { sessionEvent, startPipeline, testClinic, testRedisUrl, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// Only what is due within SCHEDULE_HORIZON has a job in Redis; the rest waits in PostgreSQL.

let pipeline: TestPipeline | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  pipeline = undefined;
});

const dayPlan = [
  { key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore' as const, toEscort: true },
  { key: 'light-meal', template: 'light-meal', after: 'PT2H' },
  { key: 'checkin-24h', template: 'checkin-24h', after: 'PT24H' },
];
const hour = 3_600_000;
const job = (e: { id: string }) => ({ clinicId: 'clinic-a', eventId: e.id });

async function stepsByKey(p: TestPipeline) {
  const rows = await p.db.query<{ id: string; key: string; recipient: string; state: string; queued: boolean }>(
    'SELECT id, key, recipient, state, queued FROM steps ORDER BY due_at, recipient');
  return new Map(rows.map((r) => [r.recipient === 'escort' ? `${r.key}.escort` : r.key, r]));
}

async function startScheduled(): Promise<{ p: TestPipeline; steps: Awaited<ReturnType<typeof stepsByKey>> }> {
  pipeline = await startPipeline({ role: 'api', env: { SCHEDULE_HORIZON: 'PT1H' }, clinics: [testClinic({ plans: { session: dayPlan } })] });
  const p = pipeline;
  const event = sessionEvent();
  await p.accept(event);
  await expandEvents(p, [job(event)]);
  return { p, steps: await stepsByKey(p) };
}

describe('a step due beyond the horizon', () => {
  it('has no job until it is promoted, then one under its step id; promoting again adds none', async () => {
    const { p, steps } = await startScheduled();
    const [now, meal, checkin] = [steps.get('no-driving')!, steps.get('light-meal')!, steps.get('checkin-24h')!];
    expect((await p.queues.steps.getJob(now.id))?.id).toBe(now.id);
    expect(await p.queues.steps.getJob(meal.id)).toBeUndefined();
    expect(await p.queues.steps.getJob(checkin.id)).toBeUndefined();
    expect([meal.queued, checkin.queued]).toEqual([false, false]);

    // An hour and a half on, the light meal note (due at +2 h) is within the horizon; the check-in is not.
    const later = () => new Date(Date.now() + 1.5 * hour);
    expect(await promoteSteps({ ...p, now: later })).toBe(1);
    const promoted = await p.queues.steps.getJob(meal.id);
    expect(promoted?.id).toBe(meal.id);
    expect(promoted?.data).toEqual({ stepId: meal.id });
    expect(await p.queues.steps.getJob(checkin.id)).toBeUndefined();
    expect((await stepsByKey(p)).get('light-meal')?.queued).toBe(true);
    const delayed = await p.queues.steps.getDelayedCount();

    expect(await promoteSteps({ ...p, now: later })).toBe(0);
    // A promoter that died between adding the job and marking the step adds it again: still one job.
    await p.db.query('UPDATE steps SET queued = false WHERE id = $1', [meal.id]);
    expect(await promoteSteps({ ...p, now: later })).toBe(1);
    expect(await p.queues.steps.getDelayedCount()).toBe(delayed);
    expect((await p.queues.steps.getJobs(['delayed', 'waiting'])).filter((j) => j.id === meal.id)).toHaveLength(1);
  });

  it('promotes many steps in pages, each once, soonest first', async () => {
    pipeline = await startPipeline({ role: 'api', env: { SCHEDULE_HORIZON: 'PT1H' }, clinics: [testClinic({ plans: { session: dayPlan } })] });
    const p = pipeline;
    const events = Array.from({ length: 25 }, (_, i) => sessionEvent({ patient: { ...sessionEvent().patient, id: `p-${i}` } }));
    for (const e of events) await p.accept(e);
    await expandEvents(p, events.map(job));
    const later = () => new Date(Date.now() + 30 * hour);
    expect(await promoteSteps({ ...p, now: later }, { batch: 7 })).toBe(50);
    const left = await p.db.query<{ unqueued: number }>('SELECT count(*)::int AS unqueued FROM steps WHERE NOT queued');
    expect(left[0]?.unqueued).toBe(0);
    const jobs = await p.queues.steps.getJobs(['delayed', 'waiting']);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(100);
    expect(jobs).toHaveLength(100);
  });

  it('is cancelled in PostgreSQL alone: no Redis command names it', async () => {
    const { p, steps } = await startScheduled();
    const unqueued = [steps.get('light-meal')!.id, steps.get('checkin-24h')!.id];
    const queued = steps.get('no-driving')!.id;
    const monitor = await new Redis(testRedisUrl).monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args.join(' ')));
    try {
      const sessionRef = (await p.db.query<{ reference: string; patient_id: string }>('SELECT reference, patient_id FROM plans'))[0]!;
      const cancel = { type: 'plan.cancelled', id: `cancel-${sessionRef.reference}`, clinicId: 'clinic-a', patientId: sessionRef.patient_id, reference: sessionRef.reference };
      await p.accept(cancel);
      await expandEvents(p, [job(cancel)]);
      // The queued step's job is removed: what MONITOR sees, it sees.
      await waitFor('the queued step removed', () => commands.some((c) => c.includes(queued)));
    } finally {
      monitor.disconnect();
    }
    expect(commands.filter((c) => unqueued.some((id) => c.includes(id)))).toEqual([]);
    const states = [...(await stepsByKey(p)).values()].map((s) => s.state);
    expect(states).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect(await p.queues.steps.getJob(queued)).toBeUndefined();
  });
});

describe('with workers and a short horizon', () => {
  it('sends the steps the promoter brought in at their time, each once', async () => {
    pipeline = await startPipeline({
      env: { SCHEDULE_HORIZON: 'PT2S' },
      clinics: [testClinic({ plans: { session: [
        { key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore', toEscort: true },
        { key: 'light-meal', template: 'light-meal', after: 'PT5S' },
        { key: 'checkin-24h', template: 'checkin-24h', after: 'PT7S' },
      ] } })],
    });
    const p = pipeline;
    await p.accept(sessionEvent());
    await waitFor('the plan written', async () => (await stepsByKey(p)).size === 4);
    const beyond = [...(await stepsByKey(p)).values()].filter((s) => !s.queued);
    expect(beyond.map((s) => s.key).sort()).toEqual(['checkin-24h', 'light-meal']);
    await waitFor('every step sent', async () => [...(await stepsByKey(p)).values()].every((s) => s.state === 'sent'), 20_000);
    const timing = await p.db.query<{ early: boolean }>('SELECT sent_at < due_at AS early FROM steps');
    expect(timing.map((t) => t.early)).toEqual([false, false, false, false]);
    expect(p.outbox('sms')).toHaveLength(4);
  });
});
