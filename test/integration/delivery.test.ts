import { afterEach, describe, expect, it } from 'vitest';
import { renderEmail, renderSms } from '../../core/render.ts';
import { patientTimeline } from '../../store/timeline.ts';
import { findTemplate } from '../../templates/index.ts';
import type { MessageVars } from '../../templates/template.ts';
import { sessionEvent, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { providerAccount, startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';
import { signTwilioRequest, type TwilioServer } from '../support/twilio-server.ts';
import { waitFor } from '../support/wait-for.ts';

// The whole pipeline (API, workers, PostgreSQL, Redis) against a local Twilio and an SMTP sink.

const { accountSid, authToken, publicBaseUrl } = providerAccount;
const statusUrl = `${publicBaseUrl}/webhooks/twilio/status`;

const patient = {
  id: 'p-123', firstName: 'Samwise', phone: '+15551234567', email: 'samwise@example.org',
  timezone: 'America/Denver', locale: 'en', channel: 'sms', smsConsent: true,
};
const checkinVars: MessageVars = {
  firstName: 'Samwise', clinicName: 'Riverside Clinic', clinicPhone: '+15550001111',
  namesTreatment: false, emergencyPhone: '911', crisisLine: '988',
};
const checkin = findTemplate('checkin-24h', 'en');
if (!checkin) throw new Error('template checkin-24h is missing');
const checkinSms = renderSms(checkin, checkinVars);
const checkinEmail = renderEmail(checkin, { ...checkinVars, namesTreatment: true });

let rig: ProviderPipeline | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

/** A pipeline whose only step is the check-in, due at once, on the patient's preferred channel. */
async function startRig(): Promise<ProviderPipeline> {
  rig = await startProviderPipeline({
    clinics: [testClinic({ plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT0S', channel: 'preferred' }] } })],
    env: { SEND_ATTEMPTS: '3', SEND_BACKOFF: 'PT0.2S', CLAIM_TIMEOUT: 'PT1S' },
  });
  return rig;
}

async function acceptCheckin(p: TestPipeline, patientOverrides: Record<string, unknown> = {}): Promise<void> {
  await p.accept(sessionEvent({ escort: undefined, patient: { ...patient, ...patientOverrides } }));
}

interface DeliveryRow {
  channel: string;
  status: string;
  provider_id: string | null;
  error_code: string | null;
}
const deliveries = (p: TestPipeline) =>
  p.db.query<DeliveryRow>('SELECT channel, status, provider_id, error_code FROM deliveries ORDER BY channel');
const delivery = async (p: TestPipeline, channel: 'sms' | 'email') => (await deliveries(p)).find((d) => d.channel === channel);
const step = async (p: TestPipeline) =>
  (await p.db.query<{ state: string; reason: string | null }>("SELECT state, reason FROM steps WHERE key = 'checkin-24h'"))[0];
/** The patient's timeline as staff read it (a sent step's entry is read from the step, not stored). */
const timeline = async (p: TestPipeline) =>
  (await patientTimeline(p.db, 'clinic-a', patient.id)).map(({ kind, detail }) => ({ kind, detail }));
/** The step's state moves before its timeline entry is written: wait for both. */
const stepFinal = (p: TestPipeline, state: 'sent' | 'failed') =>
  waitFor(`the check-in ${state}`, async () =>
    (await step(p))?.state === state && (await timeline(p)).some((e) => e.kind === `step.${state}`));
const posts = (t: TwilioServer) => t.requests.filter((r) => r.method === 'POST');

function expectCheckinEmail(s: SmtpSink): void {
  expect(s.messages).toHaveLength(1);
  const [mail] = s.messages;
  expect(mail?.to).toEqual([patient.email]);
  expect(mail?.subject).toBe(checkinEmail.subject);
  expect(mail?.text.trim()).toBe(checkinEmail.text);
}

describe('SMS through Twilio', () => {
  it('sends the check-in once with the patient number, rendered body and status callback, and records the sid', async () => {
    const { p, twilio: t, sink: s } = await startRig();
    await acceptCheckin(p);
    await stepFinal(p, 'sent');

    expect(t.messages).toHaveLength(1);
    const [message] = t.messages;
    expect(message).toMatchObject({ to: patient.phone, from: '+15550009999', body: checkinSms, statusCallback: statusUrl });
    expect(message?.body).not.toMatch(/ketamine/i);
    expect(await deliveries(p)).toEqual([{ channel: 'sms', status: 'sent', provider_id: message?.sid, error_code: null }]);
    const sent = (await timeline(p)).filter((e) => e.kind === 'step.sent');
    expect(sent).toEqual([{ kind: 'step.sent', detail: expect.objectContaining({ key: 'checkin-24h', channels: ['sms'] }) }]);
    expect(s.messages).toHaveLength(0);
  });

  it.each([21211, 21408, 21610, 21612, 21614])('does not retry Twilio error %i and sends the check-in by email instead', async (code) => {
    const { p, twilio: t, sink: s } = await startRig();
    t.failNext({ status: 400, code });
    await acceptCheckin(p);
    await s.waitFor(1, 15_000);
    await stepFinal(p, 'sent');

    expect(t.requests).toHaveLength(1);
    expect(t.messages).toHaveLength(0);
    expectCheckinEmail(s);
    expect(await delivery(p, 'sms')).toMatchObject({ status: 'failed', error_code: `twilio-${code}`, provider_id: null });
    expect(await delivery(p, 'email')).toMatchObject({ status: 'sent', provider_id: expect.any(String) });
    const kinds = (await timeline(p)).map((e) => e.kind);
    expect(kinds).toContain('delivery.failed');
  });

  it('retries after a Twilio 429 and sends exactly one message', async () => {
    const { p, twilio: t, sink: s } = await startRig();
    t.failNext({ status: 429, code: 20429 });
    await acceptCheckin(p);
    await stepFinal(p, 'sent');

    expect(posts(t)).toHaveLength(2);
    expect(t.messages).toHaveLength(1);
    expect(await delivery(p, 'sms')).toMatchObject({ status: 'sent', provider_id: t.messages[0]?.sid, error_code: null });
    expect(s.messages).toHaveLength(0);
  });

  it('tries the SMS SEND_ATTEMPTS times through a storm of 500s, then sends the check-in by email', async () => {
    const { p, twilio: t, sink: s } = await startRig();
    t.failNext({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    await acceptCheckin(p);
    await s.waitFor(1, 15_000);
    await stepFinal(p, 'sent');

    expect(posts(t)).toHaveLength(3);
    expect(t.messages).toHaveLength(0);
    expectCheckinEmail(s);
    expect(await delivery(p, 'sms')).toMatchObject({ status: 'failed', error_code: 'twilio-20500' });
    expect(await delivery(p, 'email')).toMatchObject({ status: 'sent' });
    const sent = (await timeline(p)).filter((e) => e.kind === 'step.sent');
    expect(sent).toEqual([{ kind: 'step.sent', detail: expect.objectContaining({ channels: ['email'], failures: ['sms: twilio-20500'] }) }]);
  });

  it('finds a message Twilio accepted before hanging up and does not send it again', async () => {
    const { p, twilio: t, sink: s } = await startRig();
    t.failNext({ hang: true });
    await acceptCheckin(p);
    await stepFinal(p, 'sent');

    expect(t.messages).toHaveLength(1);
    expect(posts(t)).toHaveLength(1);
    // The retry looked the message up instead of creating another.
    expect(t.requests.filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(1);
    expect(await deliveries(p)).toEqual([{ channel: 'sms', status: 'sent', provider_id: t.messages[0]?.sid, error_code: null }]);
    expect(s.messages).toHaveLength(0);
  });
});

describe('email through SMTP', () => {
  it('retries after a 451 and delivers exactly one email', async () => {
    const { p, twilio: t, sink: s } = await startRig();
    s.failNext({ code: 451, message: 'try again later' });
    await acceptCheckin(p, { channel: 'email' });
    await s.waitFor(1, 15_000);
    await stepFinal(p, 'sent');

    expectCheckinEmail(s);
    expect(await deliveries(p)).toEqual([{ channel: 'email', status: 'sent', provider_id: expect.any(String), error_code: null }]);
    expect(t.requests).toHaveLength(0);
  });

  it('falls back to SMS after a 550', async () => {
    const { p, twilio: t, sink: s } = await startRig();
    s.failNext({ code: 550, message: 'mailbox unavailable' });
    await acceptCheckin(p, { channel: 'email' });
    await stepFinal(p, 'sent');

    expect(s.messages).toHaveLength(0);
    expect(t.messages).toHaveLength(1);
    expect(t.messages[0]).toMatchObject({ to: patient.phone, body: checkinSms });
    expect(await delivery(p, 'email')).toMatchObject({ status: 'failed', error_code: 'smtp-550' });
    expect(await delivery(p, 'sms')).toMatchObject({ status: 'sent', provider_id: t.messages[0]?.sid });
  });
});

describe('delivery reports', () => {
  it('sends the check-in by email when Twilio reports the SMS undelivered (30003)', async () => {
    const { p, twilio: t, sink: s } = await startRig();
    await acceptCheckin(p);
    await stepFinal(p, 'sent');
    const sid = t.messages[0]?.sid;
    expect(sid).toMatch(/^SM[0-9a-f]{32}$/);

    const params = {
      AccountSid: accountSid, MessageSid: sid ?? '', SmsSid: sid ?? '', MessageStatus: 'undelivered', SmsStatus: 'undelivered',
      ErrorCode: '30003', To: patient.phone, From: '+15550009999', ApiVersion: '2010-04-01',
    };
    const res = await p.server!.inject({
      method: 'POST',
      url: '/webhooks/twilio/status',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(authToken, statusUrl, params) },
      payload: new URLSearchParams(params).toString(),
    });
    expect(res.statusCode).toBe(204);

    await s.waitFor(1, 15_000);
    expectCheckinEmail(s);
    const entries = await waitFor('the fallback on the timeline', async () => {
      const all = await timeline(p);
      return all.some((e) => e.kind === 'step.sent' && e.detail.fallback === true) ? all : undefined;
    });
    expect(entries.filter((e) => e.kind === 'delivery.updated')).toEqual([
      { kind: 'delivery.updated', detail: expect.objectContaining({ channel: 'sms', status: 'undelivered', errorCode: '30003', providerId: sid }) },
    ]);
    expect(entries.filter((e) => e.kind === 'step.sent').map((e) => e.detail.channels)).toEqual([['sms'], ['email']]);
    expect(await delivery(p, 'sms')).toMatchObject({ status: 'undelivered', error_code: '30003' });
    expect(await delivery(p, 'email')).toMatchObject({ status: 'sent' });
    expect(t.messages).toHaveLength(1);
  });
});

describe('an unreachable patient', () => {
  it('fails the step as unreachable when Twilio refuses the number (21211) and there is no email', async () => {
    const { p, twilio: t, sink: s } = await startRig();
    t.failNext({ status: 400, code: 21211 });
    await acceptCheckin(p, { email: undefined });
    await stepFinal(p, 'failed');

    expect((await step(p))?.reason).toContain('unreachable');
    expect(await deliveries(p)).toEqual([{ channel: 'sms', status: 'failed', provider_id: null, error_code: 'twilio-21211' }]);
    // Staff are told; their notice is the only other traffic, and nothing reaches the patient.
    const raised = await waitFor('an unreachable escalation', async () =>
      (await timeline(p)).find((e) => e.kind === 'escalation.raised'));
    expect(raised.detail).toMatchObject({ kind: 'unreachable' });
    expect(t.messages.filter((m) => m.to === patient.phone)).toEqual([]);
    // The one refused create was not retried (every accepted create is recorded as a message).
    expect(posts(t).length - t.messages.length).toBe(1);
    expect(s.messages.filter((m) => m.to.includes(patient.email))).toEqual([]);
  });
});
