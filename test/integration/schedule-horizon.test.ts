import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { dueJobId } from '../../lib/queues.ts';
import { promoteSteps } from '../../workers/promoter.ts';
import { expandEvents } from '../../workers/scheduler.ts';
import { sessionEvent, startPipeline, testClinic, testRedisUrl, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// Only what is due within SCHEDULE_HORIZON has its instant's alarm in Redis; the rest waits in PostgreSQL.

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
  const rows = await p.db.query<{ id: string; key: string; recipient: string; state: string; queued: boolean; due_at: Date }>(
    'SELECT id, key, recipient, state, queued, due_at FROM steps ORDER BY due_at, recipient');
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
  it('has no alarm until it is promoted, then the alarm of its instant; promoting again adds none', async () => {
    const { p, steps } = await startScheduled();
    const [now, meal, checkin] = [steps.get('no-driving')!, steps.get('light-meal')!, steps.get('checkin-24h')!];
    const alarm = (s: { due_at: Date }) => p.queues.steps.getJob(dueJobId(s.due_at));
    expect((await alarm(now))?.id).toBe(dueJobId(now.due_at));
    expect(await alarm(meal)).toBeUndefined();
    expect(await alarm(checkin)).toBeUndefined();
    expect([meal.queued, checkin.queued]).toEqual([false, false]);

    // An hour and a half on, the light meal note (due at +2 h) is within the horizon; the check-in is not.
    const later = () => new Date(Date.now() + 1.5 * hour);
    expect(await promoteSteps({ ...p, now: later })).toBe(1);
    const promoted = await alarm(meal);
    expect(promoted?.name).toBe('due');
    expect(promoted?.data).toEqual({ dueAt: meal.due_at.toISOString() });
    expect(await alarm(checkin)).toBeUndefined();
    expect((await stepsByKey(p)).get('light-meal')?.queued).toBe(true);
    const delayed = await p.queues.steps.getDelayedCount();

    expect(await promoteSteps({ ...p, now: later })).toBe(0);
    // A promoter that died between adding the alarm and marking the step adds it again: still one alarm.
    await p.db.query('UPDATE steps SET queued = false WHERE id = $1', [meal.id]);
    expect(await promoteSteps({ ...p, now: later })).toBe(1);
    expect(await p.queues.steps.getDelayedCount()).toBe(delayed);
    expect((await p.queues.steps.getJobs(['delayed', 'waiting'])).filter((j) => j.id === dueJobId(meal.due_at))).toHaveLength(1);
  });

  it('promotes many steps in pages, the alarm of each instant once', async () => {
    pipeline = await startPipeline({ role: 'api', env: { SCHEDULE_HORIZON: 'PT1H' }, clinics: [testClinic({ plans: { session: dayPlan } })] });
    const p = pipeline;
    const events = Array.from({ length: 25 }, (_, i) => sessionEvent({ patient: { ...sessionEvent().patient, id: `p-${i}` } }));
    for (const e of events) await p.accept(e);
    await expandEvents(p, events.map(job));
    const later = () => new Date(Date.now() + 30 * hour);
    expect(await promoteSteps({ ...p, now: later }, { batch: 7 })).toBe(50);
    const left = await p.db.query<{ unqueued: number }>('SELECT count(*)::int AS unqueued FROM steps WHERE NOT queued');
    expect(left[0]?.unqueued).toBe(0);
    const instants = new Set((await p.db.query<{ due_at: Date }>('SELECT due_at FROM steps')).map((r) => dueJobId(r.due_at)));
    const jobs = await p.queues.steps.getJobs(['delayed', 'waiting']);
    expect(new Set(jobs.map((j) => j.id))).toEqual(instants);
    expect(jobs).toHaveLength(instants.size);
  });

  it('is cancelled in PostgreSQL alone: no Redis command names it, and the shared alarm stays', async () => {
    const { p, steps } = await startScheduled();
    const ids = [...steps.values()].map((s) => s.id);
    const queued = steps.get('no-driving')!;
    const monitor = await new Redis(testRedisUrl).monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args.join(' ')));
    const marker = `cancel-done-${queued.id.slice(0, 12)}`;
    try {
      const sessionRef = (await p.db.query<{ reference: string; patient_id: string }>('SELECT reference, patient_id FROM plans'))[0]!;
      const cancel = { type: 'plan.cancelled', id: `cancel-${sessionRef.reference}`, clinicId: 'clinic-a', patientId: sessionRef.patient_id, reference: sessionRef.reference };
      await p.accept(cancel);
      await expandEvents(p, [job(cancel)]);
      // Everything the cancellation sent comes before this in MONITOR's stream.
      await p.redis.echo(marker);
      await waitFor('the marker seen', () => commands.some((c) => c.includes(marker)));
    } finally {
      monitor.disconnect();
    }
    expect(commands.filter((c) => ids.some((id) => c.includes(id)))).toEqual([]);
    const states = [...(await stepsByKey(p)).values()].map((s) => s.state);
    expect(states).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect((await p.queues.steps.getJob(dueJobId(queued.due_at)))?.name).toBe('due');
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
