import { afterEach, describe, expect, it } from 'vitest';
import { inParallel, sessionFor, staff, testPatient } from '../support/fault-population.ts';
import { startNoticeRig, type NoticeRig } from '../support/notice-rig.ts';
import { testClinic } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';
import { raiseAndNotify } from '../../workers/escalations.ts';

// Staff notices go ahead of routine messages in the SMS rate limit: part of the limit is kept
// for them, in Redis, so it holds across every worker process.

const routine = 2_000;
const ratePerSecond = 20;

let rig: NoticeRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

describe('an urgent escalation while thousands of routine SMS wait for the rate limit', () => {
  it('sends the staff SMS within 2 s, ahead of the routine messages', async () => {
    rig = await startNoticeRig({
      clinics: [testClinic({
        escalation: { contacts: [staff], renotifyAfter: 'PT5M', nextContactAfter: 'PT1H' },
        plans: { session: [{ key: 'no-driving', template: 'no-driving', after: 'PT0S', channel: 'sms', quietHours: 'ignore' }] },
      })],
      // Far more sends waiting for a slot than the limit lets through in a second.
      env: { SMS_RATE_PER_SECOND: String(ratePerSecond), WORKER_CONCURRENCY: '200', RECONCILE_EVERY: 'PT30S' },
    });
    const r = rig;
    const patients = Array.from({ length: routine }, (_, i) => testPatient(i, {}, 3_000_000));
    await inParallel(patients.map((p) => sessionFor(p)), 8, (e) => r.p.accept(e));
    await waitFor('routine SMS going out at the limit', () => r.twilio.messages.length >= 2 * ratePerSecond, 30_000);
    await waitFor('the senders waiting for a slot', async () =>
      ((await r.p.db.query<{ n: number }>("SELECT count(*)::int AS n FROM steps WHERE state = 'sending'"))[0]?.n ?? 0) >= 150, 30_000);

    // Raised as the reply worker raises it; the reply path itself is timed by the replies tests.
    const raisedAt = Date.now();
    await raiseAndNotify(r.p, { clinicId: 'clinic-a', patientId: patients[0]!.id, kind: 'urgent', reason: 'replied with crisis language ("pills")', cause: 'priority-test' });
    const alert = await waitFor('the staff SMS', () => r.twilio.messages.find((m) => m.to === staff.phone), 30_000);
    expect(alert.receivedAt.getTime() - raisedAt).toBeLessThan(2_000);
    expect(r.twilio.messages.filter((m) => m.to !== staff.phone).length).toBeLessThan(routine);
  }, 180_000);
});
