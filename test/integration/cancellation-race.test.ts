import { afterEach, describe, expect, it } from 'vitest';
import { expandEvents } from '../../workers/scheduler.ts';
import { sessionEvent, startPipeline, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// A cancellation holds whichever way it meets its plan: before it, after it, or at the same moment.

let pipeline: TestPipeline | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  pipeline = undefined;
});

const later = () => new Date(Date.now() + 3_600_000).toISOString();
const cancelOf = (e: ReturnType<typeof sessionEvent>) =>
  ({ type: 'plan.cancelled', id: `cancel-${e.id}`, clinicId: 'clinic-a', patientId: e.patient.id, reference: e.session.id });
const job = (e: { id: string }) => ({ clinicId: 'clinic-a', eventId: e.id });

/** Jobs that would send a step of their own; an instant's alarm is shared and claims only scheduled steps. */
async function openJobs(p: TestPipeline): Promise<number> {
  return (await p.queues.steps.getJobs(['delayed', 'waiting'])).filter((j) => j.name !== 'due').length;
}

describe('cancellation of a plan', () => {
  it('cancels a session whose cancellation was expanded before the session event', async () => {
    pipeline = await startPipeline({ role: 'api' });
    const p = pipeline;
    const session = sessionEvent({ session: { id: 's-late', endedAt: later(), modality: 'iv' } });
    const cancel = cancelOf(session);
    await p.accept(session);
    await p.accept(cancel);

    expect(await expandEvents(p, [job(cancel)])).toEqual([undefined]);
    expect(await expandEvents(p, [job(session)])).toEqual([undefined]);

    const states = await p.db.query<{ state: string; reason: string | null }>('SELECT state, reason FROM steps');
    expect(states.length).toBeGreaterThan(0);
    expect(states.every((s) => s.state === 'cancelled')).toBe(true);
    expect(states[0]?.reason).toMatch(/cancelled by event cancel-/);
    const [plan] = await p.db.query<{ cancelled: boolean }>('SELECT cancelled_at IS NOT NULL AS cancelled FROM plans');
    expect(plan?.cancelled).toBe(true);
    expect(await openJobs(p)).toBe(0);
    const kinds = (await p.db.query<{ kind: string }>("SELECT kind FROM timeline WHERE kind = 'step.cancelled'")).length;
    expect(kinds).toBe(states.length);
  });

  it('cancels a session whose plan was still being written when its cancellation was expanded', async () => {
    pipeline = await startPipeline({ role: 'api' });
    const p = pipeline;
    const session = sessionEvent({ session: { id: 's-race', endedAt: later(), modality: 'iv' } });
    const cancel = cancelOf(session);
    await p.accept(session);
    await p.accept(cancel);

    // Hold the session's expansion open after it wrote its plan: its last statement marks the event
    // expanded, and that row is locked here until the cancellation has had its chance to run.
    let release = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    let locked = () => {};
    const isLocked = new Promise<void>((r) => { locked = r; });
    const holder = p.db.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM events WHERE id = $1 FOR UPDATE', [session.id]);
      locked();
      await gate;
    });
    await isLocked;
    const expandingSession = expandEvents(p, [job(session)]);
    let expandingCancel: Promise<Array<void | Error>> | undefined;
    try {
    const waiting = async (n: number) => (await p.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))[0]!.n >= n;
    await waitFor('the session expansion waits with its plan written', () => waiting(1));
    let cancelDone = false;
    expandingCancel = expandEvents(p, [job(cancel)]).finally(() => { cancelDone = true; });
    // The cancellation either runs to its end now or waits for the session's plan to be committed.
    await waitFor('the cancellation finishes or waits its turn', async () => cancelDone || (await waiting(2)));
    } finally {
      release();
      await holder;
    }
    expect(await expandingSession).toEqual([undefined]);
    expect(await expandingCancel).toEqual([undefined]);

    const states = await p.db.query<{ state: string }>('SELECT state FROM steps');
    expect(states.length).toBeGreaterThan(0);
    expect(states.filter((s) => s.state !== 'cancelled')).toEqual([]);
    expect(await openJobs(p)).toBe(0);
  });

  it('leaves another reference of the same patient alone', async () => {
    pipeline = await startPipeline({ role: 'api' });
    const p = pipeline;
    const kept = sessionEvent({ session: { id: 's-kept', endedAt: later(), modality: 'iv' } });
    const gone = sessionEvent({ session: { id: 's-gone', endedAt: later(), modality: 'iv' } });
    const cancel = cancelOf(gone);
    for (const e of [kept, gone, cancel]) await p.accept(e);
    await expandEvents(p, [job(cancel)]);
    await expandEvents(p, [job(kept), job(gone)]);
    const rows = await p.db.query<{ reference: string; state: string }>(
      'SELECT p.reference, s.state FROM steps s JOIN plans p ON p.id = s.plan_id ORDER BY p.reference');
    expect(new Set(rows.filter((r) => r.reference === 's-kept').map((r) => r.state))).toEqual(new Set(['scheduled']));
    expect(new Set(rows.filter((r) => r.reference === 's-gone').map((r) => r.state))).toEqual(new Set(['cancelled']));
  });
});
