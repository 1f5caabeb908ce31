import { afterEach, describe, expect, it } from 'vitest';
import type { ClinicInput } from '../../config/clinics.ts';
import { sessionEvent, testClinic } from '../support/pipeline.ts';
import { startNoticeRig, type NoticeRig } from '../support/notice-rig.ts';
import { waitFor } from '../support/wait-for.ts';

// Every channel of a staff notice is tried on its own: a Twilio outage delays the SMS, never the email.

const patientPhone = '+15551234567';
const nurse = { name: 'On-call nurse', phone: '+15550002222', email: 'oncall@example.org' };

let rig: NoticeRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

async function startRig(escalation: ClinicInput['escalation']) {
  rig = await startNoticeRig({
    clinics: [testClinic({ escalation, plans: { session: [
      { key: 'checkin-24h', template: 'checkin-24h', after: 'PT0S', expectsReply: { within: 'PT1H', remindOnce: true } },
    ] } })],
    env: { RECONCILE_EVERY: 'PT1S', SEND_BACKOFF: 'PT0.2S' },
  });
  await rig.p.accept(sessionEvent({ escort: undefined }));
  await waitFor('the check-in SMS', () => rig!.twilio.messages.some((m) => m.to === patientPhone));
  return rig;
}

describe('a staff notice while Twilio fails', () => {
  it('tries the email of a staff notice when Twilio is down, retries only the SMS, and still queues the next round', async () => {
    const { p, twilio, chaos, sink, inbound } = await startRig({ contacts: [nurse], renotifyAfter: 'PT1S', nextContactAfter: 'PT1H' });
    let twilioDown = true;
    chaos.setRule((req) => (twilioDown && req.to === nurse.phone ? { status: 500, code: 20500 } : { forward: true }));

    const answer = await inbound(patientPhone, 'I took too many pills');
    expect(answer).toContain('988');
    const mailTo = () => sink.messages.filter((m) => m.to.includes(nurse.email));
    const first = await waitFor('the urgent email while Twilio is down', () => mailTo().find((m) => !m.subject.includes('reminder')));
    expect(first.subject).toMatch(/^URGENT/);
    await waitFor('the next round by email while the SMS still fails', () => mailTo().some((m) => m.subject.includes('reminder')));
    expect(chaos.requests.filter((r) => r.to === nurse.phone && r.action === 'error').length).toBeGreaterThan(1);
    expect(twilio.messages.filter((m) => m.to === nurse.phone)).toHaveLength(0);

    const [escalation] = await p.db.query<{ id: string }>("SELECT id FROM escalations WHERE kind = 'urgent'");
    const round1 = async () => p.db.query<{ channel: string; status: string }>(
      'SELECT channel, status FROM notices WHERE escalation_id = $1 AND round = 1 ORDER BY channel', [escalation!.id]);
    expect(await round1()).toEqual([{ channel: 'email', status: 'sent' }, { channel: 'sms', status: 'retry' }]);

    twilioDown = false;
    await waitFor('the round-1 SMS once Twilio is back', () => twilio.messages.some((m) => m.to === nurse.phone && !m.body.includes('reminder')), 20_000);
    await waitFor('round 1 recorded as sent on both channels', async () => (await round1()).every((n) => n.status === 'sent'));
    expect(twilio.messages.filter((m) => m.to === nurse.phone && !m.body.includes('reminder'))).toHaveLength(1);
    expect(mailTo().filter((m) => !m.subject.includes('reminder'))).toHaveLength(1);
  });
});
