import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClinicInput } from '../../config/clinics.ts';
import { sessionEvent, testClinic } from '../support/pipeline.ts';
import { startNoticeRig, type NoticeRig } from '../support/notice-rig.ts';
import { waitFor } from '../support/wait-for.ts';
import { inboxList, loadInbox } from '../../producers/http/console/inbox.ts';
import { fieldCipher } from '../../lib/field-cipher.ts';

// Every channel of a staff notice is tried on its own: a Twilio outage delays the SMS, never the email.

const patientPhone = '+15551234567';
const nurse = { name: 'On-call nurse', phone: '+15550002222', email: 'oncall@example.org' };
const director = { name: 'Medical director', phone: '+15550003333', email: 'md@example.org' };
const manager = { name: 'Clinic manager', phone: '+15550004444', email: 'manager@example.org' };

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
    // The SMS waits for its retry (or is being retried): never sent, never given up.
    const [email, sms] = await round1();
    expect(email).toEqual({ channel: 'email', status: 'sent' });
    expect(sms?.channel).toBe('sms');
    expect(['retry', 'sending']).toContain(sms?.status);

    twilioDown = false;
    await waitFor('the round-1 SMS once Twilio is back', () => twilio.messages.some((m) => m.to === nurse.phone && !m.body.includes('reminder')), 20_000);
    await waitFor('round 1 recorded as sent on both channels', async () => (await round1()).every((n) => n.status === 'sent'));
    expect(twilio.messages.filter((m) => m.to === nurse.phone && !m.body.includes('reminder'))).toHaveLength(1);
    expect(mailTo().filter((m) => !m.subject.includes('reminder'))).toHaveLength(1);
  });
});

describe('the escalation ladder', () => {
  it('moves a notice to the next contact at once when Twilio refuses a contact (21610), and notes it on the timeline', async () => {
    const { p, twilio, chaos, inbound } = await startRig({ contacts: [nurse, director], renotifyAfter: 'PT1H', nextContactAfter: 'PT1H' });
    chaos.setRule((req) => (req.to === nurse.phone ? { status: 400, code: 21610 } : { forward: true }));
    await inbound(patientPhone, 'I took too many pills');
    const alert = await waitFor('the medical director alerted in the same round', () => twilio.messages.find((m) => m.to === director.phone));
    expect(alert.body).toMatch(/^URGENT,/);
    const [note] = await p.db.query<{ detail: Record<string, unknown> }>("SELECT detail FROM timeline WHERE kind = 'escalation.contact-unreachable'");
    expect(note?.detail).toMatchObject({ contact: 'On-call nurse', channel: 'sms', errorCode: 'twilio-21610', round: 1 });
    expect(twilio.messages.filter((m) => m.to === nurse.phone)).toHaveLength(0);
  });

  it('widens an unacknowledged attention escalation to the last resort, shows it exhausted, and keeps re-notifying', async () => {
    const { p, sink, inbound } = await startRig({ contacts: [nurse, director], lastResort: manager, renotifyAfter: 'PT1S', nextContactAfter: 'PT2S' });
    await inbound(patientPhone, '1');
    const mail = (to: string) => sink.messages.filter((m) => m.to.includes(to));
    await waitFor('the medical director told', () => mail(director.email).length >= 1, 20_000);
    await waitFor('the last resort told', () => mail(manager.email).length >= 1, 20_000);
    const exhausted = await waitFor('the ladder run out', async () =>
      (await p.db.query<{ id: string; code: string }>('SELECT id, code FROM escalations WHERE exhausted_at IS NOT NULL'))[0], 20_000);
    const told = mail(manager.email).length;
    await waitFor('the last resort told again after the ladder ran out', () => mail(manager.email).length >= told + 2, 20_000);
    // The first contact: the notice and at most its one reminder (a late reminder goes to the next rung instead).
    expect(mail(nurse.email).length).toBeGreaterThanOrEqual(1);
    expect(mail(nurse.email).length).toBeLessThanOrEqual(2);

    expect(await p.db.query("SELECT 1 FROM timeline WHERE kind = 'escalation.exhausted'")).toHaveLength(1);
    const metrics = await p.server!.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^aftercare_escalations_exhausted 1$/m);
    const clinic = p.clinics.get('clinic-a')!;
    expect(String(inboxList(await loadInbox(p.db, 'clinic-a'), clinic, 'csrf', new Date()))).toContain('Nobody has acknowledged');

    expect(await inbound(manager.phone, `ACK ${exhausted.code}`)).toContain(`Acknowledged ${exhausted.code}`);
    const after = await p.server!.inject({ method: 'GET', url: '/metrics' });
    expect(after.body).toMatch(/^aftercare_escalations_exhausted 0$/m);
  });
});

describe('a staff notice whose reply text does not open', () => {
  it('is still sent, without the excerpt, when this process lacks the key the reply was encrypted with', async () => {
    const { p, sink, inbound } = await startRig({ contacts: [nurse], renotifyAfter: 'PT1S', nextContactAfter: 'PT1H' });
    expect(await inbound(patientPhone, 'I took too many pills')).toContain('988');
    const mailTo = () => sink.messages.filter((m) => m.to.includes(nurse.email));
    const first = await waitFor('the urgent email', () => mailTo()[0]);
    expect(first.text).toContain('Their message:');

    // As if another process had written it under a FIELD_KEYS this one does not hold.
    const foreign = fieldCipher([{ id: 'elsewhere', key: randomBytes(32) }]).encrypt('I took too many pills');
    await p.db.query('UPDATE replies SET body = $1', [foreign]);
    const seen = mailTo().length;
    const later = await waitFor('a reminder after the text stopped opening', () => mailTo().slice(seen).find((m) => m.subject.includes('reminder')));
    expect(later.subject).toMatch(/^URGENT \(reminder\)/);
    expect(later.text).not.toContain('Their message:');
  });
});
