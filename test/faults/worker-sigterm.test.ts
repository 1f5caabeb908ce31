import { afterEach, describe, expect, it } from 'vitest';
import { startFaultRig, type FaultRig } from '../support/fault-rig.ts';
import { inParallel, secretsOf, seconds, sessionFor, testPatient } from '../support/fault-population.ts';
import { atMostOnceViolations, emailLedger, leaks, openSteps, printFigures, readRows, redisContents, sentWithoutProvider, smsLedger } from '../support/history.ts';
import { testClinic } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// Scenario 2: SIGTERM while sends are in flight (Twilio holds each answer for 3 s). The worker
// stops taking jobs, finishes the five in flight, exits 0; a second worker sends the rest.
// Scale: 20 patients x 1 SMS, concurrency 5.

const patients = 20;
const concurrency = 5;
const answerAfterMs = 3_000;

let rig: FaultRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

describe('SIGTERM with sends in flight', () => {
  it('stops taking jobs, finishes the sends in flight, exits 0, and nothing is lost or sent twice', async () => {
    const started = Date.now();
    rig = await startFaultRig({
      clinics: [testClinic({ plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT0S', channel: 'sms' }] } })],
      env: { WORKER_CONCURRENCY: String(concurrency), CLAIM_TIMEOUT: 'PT5S' },
    });
    const r = rig;
    // Only the first worker's sends are held, so the second finishes the rest at once.
    r.chaos.setRule((q) => (q.from === '+15550009001' ? { forward: true, answerAfterMs } : { forward: true }));
    const first = await r.startWorker('worker 1', { TWILIO_FROM: '+15550009001' });

    const group = Array.from({ length: patients }, (_, i) => testPatient(i));
    await inParallel(group.map((p) => sessionFor(p)), 4, (e) => r.api.accept(e));
    await waitFor(`${concurrency} sends held at Twilio`, () => r.twilio.messages.length >= concurrency, 20_000);
    const inFlight = r.twilio.messages.map((m) => m.to);
    const termAt = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exit;
    const exitSeconds = seconds(termAt);
    const postsAfterTerm = r.chaos.requests.filter((q) => q.method === 'POST' && q.from === '+15550009001' && q.at.getTime() > termAt);

    const afterFirst = await readRows(r.api.db);
    const inFlightSteps = afterFirst.steps.filter((s) => inFlight.includes(group.find((p) => p.id === s.patient_id)?.phone ?? ''));

    const second = await r.startWorker('worker 2', { TWILIO_FROM: '+15550009002' });
    await waitFor('every step final', async () => openSteps(await readRows(r.api.db)).length === 0, 30_000);
    const rows = await readRows(r.api.db);
    const sms = smsLedger(r.twilio.messages, rows.deliveries);
    const email = emailLedger(r.smtp.messages, rows.deliveries);
    printFigures({ scenario: 'worker-sigterm', messages: patients, inFlightAtSigterm: inFlight.length, exitCode: exit.code, exitSeconds,
      duplicates: sms.duplicates, runSeconds: seconds(started) });

    expect(exit).toEqual({ code: 0, signal: null });
    // It finished what it held (each waited out Twilio's 3 s answer) and took nothing new.
    expect(postsAfterTerm).toEqual([]);
    expect(inFlightSteps).toHaveLength(concurrency);
    expect(inFlightSteps.map((s) => s.state)).toEqual(Array(concurrency).fill('sent'));
    expect(exitSeconds).toBeGreaterThanOrEqual(1);
    // Nothing lost, nothing twice, across both workers.
    expect(rows.steps.map((s) => s.state)).toEqual(Array(patients).fill('sent'));
    expect(r.twilio.messages).toHaveLength(patients);
    expect(sms.duplicates).toBe(0);
    expect(atMostOnceViolations(sms, rows.deliveries, 'sms')).toEqual([]);
    expect(sentWithoutProvider(rows, sms, email)).toEqual([]);
    expect(second.running()).toBe(true);
    const secrets = secretsOf(group, [...new Set(r.twilio.messages.map((m) => m.body))]);
    expect(leaks(r.logLines(), secrets)).toEqual([]);
    expect(leaks(await redisContents(r.redisUrl, r.prefix), secrets)).toEqual([]);
  });
});
