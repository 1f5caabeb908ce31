import { afterEach, describe, expect, it } from 'vitest';
import { eventJobId } from '../../lib/ids.ts';
import { dueJobId } from '../../lib/queues.ts';
import { startFaultRig, type FaultRig } from '../support/fault-rig.ts';
import { secretsOf, seconds, sessionFor, testPatient } from '../support/fault-population.ts';
import { leaks, openSteps, printFigures, readRows, redisContents, smsLedger } from '../support/history.ts';
import { clinicAKey, testClinic } from '../support/pipeline.ts';
import { apiReady } from '../support/processes.ts';
import { waitFor } from '../support/wait-for.ts';

// Scenario 7: one event posted 100 times at once through two `aftercare api` processes, then,
// after its jobs were removed from Redis, 100 times again, and once more under a new id for the
// same session: one plan, each step sent once. Scale: the 100, one patient, two steps.

let rig: FaultRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

const smsStep = (key: string, template: string, after: string) => ({ key, template, after, channel: 'sms' as const, quietHours: 'ignore' as const });

describe('the same event 100 times at once through two API processes', () => {
  it('schedules one plan, again after its jobs were removed, and sends each step once', async () => {
    const started = Date.now();
    rig = await startFaultRig({
      clinics: [testClinic({ plans: { session: [smsStep('light-meal', 'light-meal', 'PT3S'), smsStep('checkin-24h', 'checkin-24h', 'PT4S')] } })],
      env: { API_RATE_PER_MINUTE: '100000' },
    });
    const r = rig;
    const apis = [r.procs.start('api 1', 'api', r.workerEnv({ PORT: '0' })), r.procs.start('api 2', 'api', r.workerEnv({ PORT: '0' }))];
    const [urls] = await Promise.all([Promise.all(apis.map((a) => apiReady(a))), r.startWorker('worker')]);
    const patient = testPatient(0);
    const event = sessionFor(patient);
    const postAll = (body: unknown, times: number) => Promise.all(Array.from({ length: times }, async (_, i) => {
      const res = await fetch(`${urls[i % urls.length]}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${clinicAKey}` },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { duplicate?: boolean } };
    }));

    const first = await postAll(event, 100);
    // Two steps, 3 s and 4 s after the session: two instants, an alarm each.
    await waitFor('the plan with its delayed alarms', async () => (await r.api.queues.steps.getDelayedCount()) === 2, 15_000);
    const steps = (await readRows(r.api.db)).steps;
    // Gone from Redis (as after a wipe or an operator's cleanup); PostgreSQL still has them.
    const removed = await Promise.all([...steps.map((s) => r.api.queues.steps.remove(dueJobId(s.due_at))), r.api.queues.events.remove(eventJobId('clinic-a', event.id))]);
    const again = await postAll(event, 100);
    const renamed = await postAll({ ...event, id: `${event.id}-again` }, 1);

    await waitFor('both steps final', async () => {
      const rows = await readRows(r.api.db);
      return rows.steps.length === 2 && openSteps(rows, new Date(Date.now() + 60_000)).length === 0;
    }, 30_000, 250);
    const rows = await readRows(r.api.db);
    const plans = await r.api.db.query<{ n: number }>('SELECT count(*)::int AS n FROM plans');
    const sms = smsLedger(r.twilio.messages, rows.deliveries);
    printFigures({ scenario: 'duplicate-events', posts: 201, apiProcesses: 2, plans: plans[0]?.n, messages: r.twilio.messages.length,
      duplicates: sms.duplicates, runSeconds: seconds(started) });

    expect(first.map((a) => a.status)).toEqual(Array(100).fill(202));
    expect(first.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    expect(removed.slice(0, 2)).toEqual([1, 1]);
    expect(again.map((a) => a.status)).toEqual(Array(100).fill(202));
    expect(again.every((a) => a.body.duplicate === true)).toBe(true);
    expect(renamed.map((a) => a.status)).toEqual([202]);
    expect(plans[0]?.n).toBe(1);
    expect(rows.steps.map((s) => s.state)).toEqual(['sent', 'sent']);
    expect(r.twilio.messages).toHaveLength(2);
    expect(sms.duplicates).toBe(0);
    const secrets = secretsOf([patient], r.twilio.messages.map((m) => m.body));
    expect(leaks(r.logLines(), secrets)).toEqual([]);
    expect(leaks(await redisContents(r.redisUrl, r.prefix), secrets)).toEqual([]);
  });
});
