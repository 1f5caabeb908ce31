import { afterEach, describe, expect, it } from 'vitest';
import { AftercareError } from '../../lib/errors.ts';
import { expandEvents } from '../../workers/scheduler.ts';
import { sessionEvent, startPipeline, type TestPipeline } from '../support/pipeline.ts';

// Events that arrive together are written together; each still gets its own answer.

let pipeline: TestPipeline | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  pipeline = undefined;
});

const later = () => new Date(Date.now() + 3_600_000).toISOString();

describe('acceptance in batches', () => {
  it('answers each of 54 concurrent events on its own: new, replayed, reused id, invalid', async () => {
    pipeline = await startPipeline({ role: 'api' });
    const p = pipeline;
    const events = Array.from({ length: 50 }, (_, i) => sessionEvent({ id: `evt-batch-${i}`, patient: { ...sessionEvent().patient, id: `p-batch-${i}` } }));
    const reused = { ...events[1]!, session: { ...events[1]!.session, id: 's-other' } };
    const calls = [...events, events[0]!, events[0]!, reused, { ...events[2]!, clinicId: 'clinic-nowhere' }];
    const answers = await Promise.all(calls.map((e) => p.accept(e).then((a) => a, (err: unknown) => err)));
    expect(answers.slice(0, 50)).toEqual(events.map((e) => ({ eventId: e.id, duplicate: false })));
    // The same event twice more in the same burst: replays, whichever batch they landed in.
    expect(answers.slice(50, 52)).toEqual([{ eventId: events[0]!.id, duplicate: true }, { eventId: events[0]!.id, duplicate: true }]);
    expect((answers[52] as AftercareError).code).toBe('event-id-reused');
    expect((answers[53] as AftercareError).code).toBe('invalid-input');
    const [stored] = await p.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    expect(stored?.n).toBe(50);
    const [patients] = await p.db.query<{ n: number }>('SELECT count(*)::int AS n FROM patients');
    expect(patients?.n).toBe(50);
    expect(await p.queues.events.getWaitingCount()).toBe(50);
  });
});

describe('expansion in batches', () => {
  it('writes plans once, cancels a plan whose cancellation came in the same batch, and fails a missing event alone', async () => {
    pipeline = await startPipeline({ role: 'api' });
    const p = pipeline;
    const first = sessionEvent({ session: { id: 's-batch-1', endedAt: new Date().toISOString(), modality: 'iv' } });
    // A second event for the same session (another id): one plan.
    const again = { ...first, id: 'evt-same-session' };
    const other = sessionEvent({ patient: { ...first.patient, id: 'p-other' }, session: { id: 's-batch-2', endedAt: later(), modality: 'im' } });
    const cancel = { type: 'plan.cancelled', id: 'evt-cancel-2', clinicId: 'clinic-a', patientId: 'p-other', reference: 's-batch-2' };
    for (const e of [first, again, other, cancel]) await p.accept(e);

    const jobs = [first, again, other, cancel, { id: 'evt-never-stored' }].map((e) => ({ clinicId: 'clinic-a', eventId: e.id }));
    const outcomes = await expandEvents(p, jobs);
    expect(outcomes.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(outcomes[4]).toBeInstanceOf(Error);
    expect((outcomes[4] as Error).message).toMatch(/^event-missing/);

    const plans = await p.db.query<{ patient_id: string; cancelled: boolean }>(
      'SELECT patient_id, cancelled_at IS NOT NULL AS cancelled FROM plans ORDER BY patient_id');
    expect(plans).toEqual([{ patient_id: 'p-123', cancelled: false }, { patient_id: 'p-other', cancelled: true }]);
    const states = await p.db.query<{ patient_id: string; state: string }>('SELECT patient_id, state FROM steps ORDER BY patient_id');
    expect(states.filter((s) => s.patient_id === 'p-other').every((s) => s.state === 'cancelled')).toBe(true);
    expect(states.filter((s) => s.patient_id === 'p-123').every((s) => s.state === 'scheduled')).toBe(true);
    // Only the open plan's steps have jobs: one alarm per due instant.
    const delayed = await p.queues.steps.getDelayedCount();
    const waiting = await p.queues.steps.getWaitingCount();
    const instants = await p.db.query("SELECT DISTINCT due_at FROM steps WHERE patient_id = 'p-123'");
    expect(delayed + waiting).toBe(instants.length);
    const [unexpanded] = await p.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE expanded_at IS NULL');
    expect(unexpanded?.n).toBe(0);
  });
});
