import { afterEach, describe, expect, it } from 'vitest';
import { eventJobId } from '../../lib/ids.ts';
import { startFaultRig, type FaultRig } from '../support/fault-rig.ts';
import { inParallel, quietClinic, secretsOf, seconds, sessionFor, testPatient } from '../support/fault-population.ts';
import { atMostOnceViolations, emailLedger, leaks, openSteps, printFigures, readRows, redisContents, sentWithoutProvider, smsLedger } from '../support/history.ts';
import type { AftercareProcess } from '../support/processes.ts';
import { testClinic } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';
import { jobLock } from '../../workers/index.ts';

// Scenario 1: `aftercare worker` processes SIGKILLed at random moments while 2,000 SMS go out
// (1,000 patients x 2 steps, two workers), each kill landing while Twilio holds the answer to a
// message it has just accepted: the ambiguous window between the provider's answer and the
// state write. Plus 20 patients of a clinic in quiet hours, whose non-critical steps must wait for morning.

const patients = 1_000;
const quietPatients = 20;
const kills = 4;
// A killed worker's jobs stay locked for the workers' lockDuration: until then nobody may take
// them over without risking a second send. The 60 s recovery bound runs from when the fault has healed: the last
// restart, or the last kill plus the lock, whichever is later.
const lockDurationMs = jobLock.lockDuration;

let rig: FaultRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

const plan = [
  { key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore' as const, channel: 'sms' as const },
  { key: 'light-meal', template: 'light-meal', after: 'PT1S', channel: 'sms' as const },
];

describe(`worker processes SIGKILLed ${kills} times while ${patients * 2} SMS are sent`, () => {
  it('sends each (step, sms) at most once, every step exactly once, all final within 60 s of the fault healing', async () => {
    const started = Date.now();
    rig = await startFaultRig({
      clinics: [testClinic({ plans: { session: plan } }), quietClinic({ plans: { session: plan } })],
      env: { CLAIM_TIMEOUT: 'PT5S', SEND_BACKOFF: 'PT0.5S', WORKER_CONCURRENCY: '20' },
    });
    const r = rig;
    // Each worker process sends from a number of its own, so the Twilio side knows whom to kill.
    const workers = new Map<string, AftercareProcess>();
    let nextNumber = 9001;
    const startWorker = async () => {
      const from = `+1555000${nextNumber++}`;
      workers.set(from, await r.startWorker(`worker ${from}`, { TWILIO_FROM: from }));
    };
    await Promise.all([startWorker(), startWorker()]);

    // Kills at random numbers of accepted sends, each on the worker that just sent: Twilio has
    // the message, the worker never hears back.
    const total = patients * 2;
    // In the first half of the run, so the rest of the sending overlaps the crash recovery.
    const thresholds = Array.from({ length: kills }, (_, i) => Math.floor(total * (0.05 + (0.45 * (i + Math.random())) / kills))).sort((a, b) => a - b);
    const killLog: Array<{ atPost: number; at: number }> = [];
    const restarts: Array<Promise<void>> = [];
    let posts = 0;
    let lastRestartReady = 0;
    r.chaos.setRule((req) => {
      if (req.method !== 'POST') return { forward: true };
      posts++;
      const victim = req.from ? workers.get(req.from) : undefined;
      if (victim && posts >= (thresholds[killLog.length] ?? Infinity)) {
        killLog.push({ atPost: posts, at: Date.now() });
        workers.delete(req.from ?? '');
        victim.child.kill('SIGKILL');
        restarts.push(victim.exit.then(startWorker).then(() => {
          lastRestartReady = Date.now();
        }));
        return { forward: true, answerAfterMs: 5_000 };
      }
      return { forward: true, answerAfterMs: Math.floor(Math.random() * 20) };
    });

    const group = Array.from({ length: patients }, (_, i) => testPatient(i));
    const quiet = Array.from({ length: quietPatients }, (_, i) => testPatient(i, { timezone: 'UTC' }, 3_000_000));
    const events = [...group.map((p) => sessionFor(p)), ...quiet.map((p) => sessionFor(p, 'clinic-q'))];
    const accepted = await inParallel(events, 8, (e) => r.api.accept(e));
    expect(accepted.filter((a) => !a.duplicate)).toHaveLength(events.length);

    await waitFor(`${kills} kills and restarts`, () => killLog.length === kills, 120_000);
    await Promise.all(restarts);
    const lastKillAt = Math.max(...killLog.map((k) => k.at));
    const healedAt = Math.max(lastRestartReady, lastKillAt + lockDurationMs);
    // An accepted event is never lost: each has its plan, and every due step of it ends.
    const unexpanded = () => r.api.db.query<{ id: string }>('SELECT id FROM events WHERE expanded_at IS NULL');
    await waitFor('every accepted event expanded', async () => (await unexpanded()).length === 0, 120_000, 250)
      .catch(async (err: Error) => {
        const left = await unexpanded();
        const jobs = await Promise.all(left.slice(0, 5).map(async (e) => {
          const job = await r.api.queues.events.getJob(eventJobId('clinic-a', e.id)) ?? await r.api.queues.events.getJob(eventJobId('clinic-q', e.id));
          return { state: job ? await job.getState() : 'no job', attempts: job?.attemptsMade, stalled: job?.stalledCounter, reason: job?.failedReason };
        }));
        throw new Error(`${err.message}: ${left.length} events unexpanded; their jobs: ${JSON.stringify(jobs)}`);
      });
    await waitFor('every due step final', async () => openSteps(await readRows(r.api.db)).length === 0, 120_000, 250)
      .catch(async (err: Error) => {
        const open = openSteps(await readRows(r.api.db));
        throw new Error(`${err.message}: ${open.length} open, e.g. ${JSON.stringify(open.slice(0, 3))}\n${r.procs.tail()}`);
      });
    const doneAt = Date.now();
    const recovery = seconds(healedAt, doneAt);

    const rows = await readRows(r.api.db);
    const sms = smsLedger(r.twilio.messages, rows.deliveries);
    const email = emailLedger(r.smtp.messages, rows.deliveries);
    const lines = r.logLines();
    printFigures({
      scenario: 'worker-sigkill', messages: total, quietPatients, workers: 2, kills, killedAtPosts: killLog.map((k) => k.atPost),
      duplicates: sms.duplicates + email.duplicates,
      foundAtProvider: lines.filter((l) => l.includes('found at the provider; not sent again')).length,
      resentAfterLookup: lines.filter((l) => l.includes('not found at the provider; sending again')).length,
      secondsFromLastRestart: seconds(lastRestartReady, doneAt), secondsFromLockExpiry: recovery, runSeconds: seconds(started),
    });

    // At most once per (step, channel), exactly once for every step that was due.
    expect(sms.duplicates).toBe(0);
    expect(atMostOnceViolations(sms, rows.deliveries, 'sms')).toEqual([]);
    expect(sentWithoutProvider(rows, sms, email)).toEqual([]);
    const clinicA = rows.steps.filter((s) => s.clinic_id === 'clinic-a');
    expect(clinicA.filter((s) => s.state !== 'sent')).toEqual([]);
    expect(clinicA).toHaveLength(total);
    // Every due step final within 60 s of the fault healing.
    expect(recovery).toBeLessThanOrEqual(60);
    // In quiet hours only the critical no-driving note goes out; light-meal waits for morning.
    const quietPhones = new Set(quiet.map((p) => p.phone));
    const quietSteps = rows.steps.filter((s) => s.clinic_id === 'clinic-q');
    const stepOfDelivery = new Map(rows.deliveries.map((d) => [d.id, rows.steps.find((s) => s.id === d.step_id)]));
    const quietSends = [...sms.perDelivery.keys()].map((id) => stepOfDelivery.get(id)).filter((s) => s?.clinic_id === 'clinic-q');
    expect(quietSends.filter((s) => !s?.critical)).toEqual([]);
    expect(r.twilio.messages.filter((m) => quietPhones.has(m.to))).toHaveLength(quietPatients);
    expect(quietSteps.filter((s) => s.key === 'light-meal').every((s) => s.state === 'scheduled' && s.due_at.getTime() > Date.now() + 3_600_000)).toBe(true);
    // No person in any log line nor in Redis.
    const secrets = secretsOf([...group, ...quiet], [...new Set(r.twilio.messages.map((m) => m.body))]);
    expect(leaks(lines, secrets)).toEqual([]);
    expect(leaks(await redisContents(r.redisUrl, r.prefix), secrets)).toEqual([]);
  });
});
