import { afterEach, describe, expect, it } from 'vitest';
import { startFaultRig, type FaultRig } from '../support/fault-rig.ts';
import { inParallel, secretsOf, seconds, sessionFor, staff, testPatient, type TestPatient } from '../support/fault-population.ts';
import { atMostOnceViolations, emailLedger, leaks, openSteps, printFigures, readRows, redisContents, sentWithoutProvider, smsLedger } from '../support/history.ts';
import { testClinic } from '../support/pipeline.ts';
import type { ChaosAction } from '../support/twilio-chaos.ts';
import { waitFor } from '../support/wait-for.ts';

// Scenario 6: the providers misbehave, each patient group in its own way (Twilio faults are
// chosen per recipient by a proxy, so the outcome does not depend on send order): 500s, a 429,
// a create Twilio accepts and never answers (the SDK gives up after 10 s), a 500 storm longer
// than SEND_ATTEMPTS, a permanent 21211, and an SMTP relay refusing connections.
// Scale: 26 patients x 1 check-in, one worker, SEND_ATTEMPTS 4, SEND_BACKOFF 0.5 s, CLAIM_TIMEOUT 2 s.

let rig: FaultRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

const groups = {
  twice500: Array.from({ length: 5 }, (_, i) => testPatient(i, {}, 7_000_000)),
  once429: Array.from({ length: 5 }, (_, i) => testPatient(i, {}, 7_100_000)),
  hang: Array.from({ length: 3 }, (_, i) => testPatient(i, {}, 7_200_000)),
  storm500: Array.from({ length: 3 }, (_, i) => testPatient(i, {}, 7_300_000)),
  invalid: Array.from({ length: 3 }, (_, i) => testPatient(i, {}, 7_400_000)),
  smtpDown: Array.from({ length: 5 }, (_, i) => testPatient(i, { channel: 'email' }, 7_500_000)),
  unreachable: Array.from({ length: 2 }, (_, i) => testPatient(i, { email: undefined }, 7_600_000)),
};
const phonesOf = (g: TestPatient[]) => new Set(g.map((p) => p.phone));
const idsOf = (g: TestPatient[]) => new Set(g.map((p) => p.id));

function rule(req: { method: string; to: string | null; attempt: number }): ChaosAction {
  const to = req.to ?? '';
  if (req.method !== 'POST') return { forward: true };
  if (phonesOf(groups.twice500).has(to) && req.attempt <= 2) return { status: 500, code: 20500 };
  if (phonesOf(groups.once429).has(to) && req.attempt === 1) return { status: 429, code: 20429 };
  if (phonesOf(groups.hang).has(to) && req.attempt === 1) return { hang: true };
  if (phonesOf(groups.storm500).has(to)) return { status: 500, code: 20500 };
  if (phonesOf(groups.invalid).has(to) || phonesOf(groups.unreachable).has(to)) return { status: 400, code: 21211 };
  return { forward: true };
}

describe('Twilio answering 500, 429 and hanging, SMTP refusing connections', () => {
  it('retries with backoff, falls back as specified, loses nothing and sends nothing twice', async () => {
    const started = Date.now();
    rig = await startFaultRig({
      clinics: [testClinic({ plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT0S', channel: 'preferred' }] } })],
      env: { SEND_ATTEMPTS: '4', SEND_BACKOFF: 'PT0.5S', CLAIM_TIMEOUT: 'PT2S' },
    });
    const r = rig;
    r.chaos.setRule(rule);
    await r.startWorker('worker');
    await r.smtpProxy.refuse();
    const refusedAt = Date.now();

    const all = Object.values(groups).flat();
    await inParallel(all.map((p) => sessionFor(p)), 6, (e) => r.api.accept(e));
    // The relay comes back once every email patient's first attempt was refused.
    await waitFor('the SMTP refusals', () => r.procs.lines().filter((l) => l.includes('"code":"smtp-unreachable"')).length >= groups.smtpDown.length, 20_000);
    const smtpBackAt = Date.now();
    await r.smtpProxy.accept();

    await waitFor('every step final', async () => {
      const rows = await readRows(r.api.db);
      return rows.steps.length === all.length && openSteps(rows).length === 0;
    }, 60_000, 250);
    await waitFor('staff told about the unreachable patients', () =>
      r.twilio.messages.filter((m) => m.to === staff.phone).length >= groups.unreachable.length, 30_000);

    const rows = await readRows(r.api.db);
    const toPatients = r.twilio.messages.filter((m) => m.to !== staff.phone);
    const sms = smsLedger(toPatients, rows.deliveries);
    const email = emailLedger(r.smtp.messages.filter((m) => !m.to.includes(staff.email)), rows.deliveries);
    const posts = (g: TestPatient[]) => r.chaos.requests.filter((q) => q.method === 'POST' && phonesOf(g).has(q.to ?? ''));
    const received = (g: TestPatient[]) => toPatients.filter((m) => phonesOf(g).has(m.to)).length;
    const emails = (g: TestPatient[]) => r.smtp.messages.filter((m) => g.some((p) => p.email && m.to.includes(p.email))).length;
    const states = (g: TestPatient[]) => rows.steps.filter((s) => idsOf(g).has(s.patient_id)).map((s) => s.state);
    const delivery = (g: TestPatient[], channel: string) => rows.deliveries.filter((d) => d.channel === channel && rows.steps.some((s) => s.id === d.step_id && idsOf(g).has(s.patient_id)));
    const gaps = (g: TestPatient[]) => g.map((p) => {
      const times = posts([p]).map((q) => q.at.getTime());
      return (times[1] ?? 0) - (times[0] ?? 0);
    });
    printFigures({ scenario: 'provider-faults', patients: all.length, duplicates: sms.duplicates + email.duplicates,
      smtpRefusedSeconds: seconds(refusedAt, smtpBackAt), firstRetryGapsMs: gaps(groups.twice500), runSeconds: seconds(started) });

    // Transient: retried with backoff (first retry at least half of 0.5 s later), sent once.
    expect(posts(groups.twice500)).toHaveLength(15);
    expect(Math.min(...gaps(groups.twice500))).toBeGreaterThanOrEqual(200);
    expect(received(groups.twice500)).toBe(5);
    expect(posts(groups.once429)).toHaveLength(10);
    expect(received(groups.once429)).toBe(5);
    // Accepted, never answered: looked up at Twilio instead of sent again.
    expect(posts(groups.hang)).toHaveLength(3);
    expect(received(groups.hang)).toBe(3);
    expect(r.chaos.requests.filter((q) => q.method === 'GET' && phonesOf(groups.hang).has(q.to ?? '')).length).toBeGreaterThanOrEqual(3);
    // A storm past SEND_ATTEMPTS, and a permanent error: the email goes instead.
    expect(posts(groups.storm500)).toHaveLength(12);
    expect(received(groups.storm500)).toBe(0);
    expect(emails(groups.storm500)).toBe(3);
    expect(delivery(groups.storm500, 'sms').map((d) => d.status)).toEqual(['failed', 'failed', 'failed']);
    expect(posts(groups.invalid)).toHaveLength(3);
    expect(emails(groups.invalid)).toBe(3);
    expect(delivery(groups.invalid, 'sms').map((d) => d.error_code)).toEqual(['twilio-21211', 'twilio-21211', 'twilio-21211']);
    // SMTP refusing: retried until it listens again, one email each.
    expect(emails(groups.smtpDown)).toBe(5);
    // No channel left: the step fails as unreachable and staff are told.
    expect(states(groups.unreachable)).toEqual(['failed', 'failed']);
    expect(rows.steps.filter((s) => idsOf(groups.unreachable).has(s.patient_id)).every((s) => s.reason?.includes('unreachable'))).toBe(true);
    for (const g of [groups.twice500, groups.once429, groups.hang, groups.storm500, groups.invalid, groups.smtpDown]) expect(states(g).every((s) => s === 'sent')).toBe(true);
    // At most once per (step, channel), over everything.
    expect(sms.duplicates + email.duplicates).toBe(0);
    expect(atMostOnceViolations(sms, rows.deliveries, 'sms')).toEqual([]);
    expect(atMostOnceViolations(email, rows.deliveries, 'email')).toEqual([]);
    expect(sentWithoutProvider(rows, sms, email)).toEqual([]);
    const secrets = secretsOf(all, [...new Set(r.twilio.messages.map((m) => m.body)), ...new Set(r.smtp.messages.map((m) => m.subject))]);
    expect(leaks(r.logLines(), secrets)).toEqual([]);
    expect(leaks(await redisContents(r.redisUrl, r.prefix), secrets)).toEqual([]);
  });
});
