import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultRig, type FaultRig } from '../support/fault-rig.ts';
import { secretsOf, seconds, sessionFor, staff, testPatient } from '../support/fault-population.ts';
import { leaks, printFigures, redisContents } from '../support/history.ts';
import { testClinic } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// Scenario: Twilio answers every create with a 500 for several seconds while a patient's reply
// raises an urgent escalation. The staff email must go at once, the staff SMS exactly once when
// Twilio is back, and the next round must come on time through the outage.
// Scale: one patient, one contact, one worker process, renotifyAfter 2 s, SEND_BACKOFF 0.5 s.

let rig: FaultRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

const outageMs = 6_000;

describe('a Twilio outage during an urgent escalation', () => {
  it('emails staff at once, sends the staff SMS once when Twilio is back, and keeps the rounds going', async () => {
    rig = await startFaultRig({
      clinics: [testClinic({
        escalation: { contacts: [staff], renotifyAfter: 'PT2S', nextContactAfter: 'PT1H' },
        plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT0S', expectsReply: { within: 'PT1H', remindOnce: true } }] },
      })],
      env: { SEND_BACKOFF: 'PT0.5S' },
    });
    const r = rig;
    await r.startWorker('worker');
    const patient = testPatient(0, {}, 8_000_000);
    await r.api.accept(sessionFor(patient));
    await waitFor('the check-in SMS', () => r.twilio.messages.some((m) => m.to === patient.phone), 20_000);

    let twilioDown = true;
    r.chaos.setRule((req) => (twilioDown && req.method === 'POST' ? { status: 500, code: 20500 } : { forward: true }));
    const repliedAt = Date.now();
    const crisis = 'i took all my pills i want it to stop';
    const answer = await r.inbound(patient.phone, crisis, `SM${randomBytes(16).toString('hex')}`);
    expect(answer.body).toContain('988');

    const staffMail = () => r.smtp.messages.filter((m) => m.to.includes(staff.email));
    const staffSms = () => r.twilio.messages.filter((m) => m.to === staff.phone);
    await waitFor('the urgent email during the outage', () => staffMail().find((m) => m.subject.startsWith('URGENT:')), 10_000);
    const emailedAfter = seconds(repliedAt);
    await waitFor('the second round by email during the outage', () => staffMail().some((m) => m.subject.startsWith('URGENT (reminder)')), 10_000);
    const failedCreates = r.chaos.requests.filter((q) => q.method === 'POST' && q.to === staff.phone && q.action === 'error').length;
    expect(failedCreates).toBeGreaterThan(0);
    expect(staffSms()).toHaveLength(0);

    await waitFor('the outage to have lasted its time', () => Date.now() - repliedAt >= outageMs, outageMs + 1_000);
    twilioDown = false;
    const recoveredAt = Date.now();
    await waitFor('the round-1 staff SMS once Twilio is back', () => staffSms().some((m) => m.body.startsWith('URGENT,')), 30_000);
    const smsAfterRecovery = seconds(recoveredAt);
    await waitFor('a later round by SMS', () => staffSms().some((m) => m.body.startsWith('URGENT (reminder)')), 30_000);

    expect(staffSms().filter((m) => m.body.startsWith('URGENT,'))).toHaveLength(1);
    expect(staffMail().filter((m) => m.subject.startsWith('URGENT:'))).toHaveLength(1);
    // One SMS per round: the retried round-1 SMS was not sent again by any later attempt or round.
    const [escalation] = await r.api.db.query<{ id: string }>("SELECT id FROM escalations WHERE kind = 'urgent'");
    const smsRounds = await r.api.db.query<{ round: number; n: number }>(
      "SELECT round, count(*)::int AS n FROM notices WHERE escalation_id = $1 AND channel = 'sms' AND status = 'sent' GROUP BY round", [escalation!.id]);
    expect(smsRounds.every((row) => row.n === 1)).toBe(true);

    const secrets = secretsOf([patient], [...new Set(r.twilio.messages.map((m) => m.body)), crisis]);
    expect(leaks(r.logLines(), secrets)).toEqual([]);
    expect(leaks(await redisContents(r.redisUrl, r.prefix), secrets)).toEqual([]);
    printFigures({ scenario: 'twilio-outage-staff-alert', emailedAfter, failedCreates, smsAfterRecovery });
  });
});
