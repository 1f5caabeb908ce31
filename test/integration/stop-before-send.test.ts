import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionEvent, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { providerAccount, startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { signTwilioRequest } from '../support/twilio-server.ts';
import { waitFor } from '../support/wait-for.ts';

// Opt-out and cancellation are checked when the send is claimed, inside its rate-limit slot, so a
// STOP or a cancellation committed while a send waits for its slot stops it.

const { accountSid, authToken, publicBaseUrl } = providerAccount;
const patient = {
  id: 'p-123', firstName: 'Samwise', phone: '+15551234567', email: 'samwise@example.org',
  timezone: 'America/Denver', locale: 'en', channel: 'sms', smsConsent: true,
};
const rateLimit = 2;

let rig: ProviderPipeline | undefined;
let redis: Redis | undefined;
afterEach(async () => {
  redis?.disconnect();
  redis = undefined;
  await rig?.dispose();
  rig = undefined;
});

async function startRig(channel: 'sms' | 'preferred') {
  rig = await startProviderPipeline({
    clinics: [testClinic({ plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT1S', channel }] } })],
    env: { SMS_RATE_PER_SECOND: String(rateLimit) },
  });
  redis = new Redis(rig.p.env.REDIS_URL);
  return { ...rig, redis };
}

/** Every slot of the SMS rate limit taken (by sends that hold them for a minute): a new send waits. */
async function fillRateSlots(p: TestPipeline, r: Redis): Promise<() => Promise<void>> {
  const key = `${p.env.QUEUE_PREFIX}:sms-rate`;
  const holders = Array.from({ length: rateLimit }, (_, i) => `held-by-test-${i}`);
  for (const h of holders) await r.zadd(key, Date.now() + 60_000, h);
  return async () => {
    await r.zrem(key, ...holders);
  };
}

/** The check-in's job has taken its snapshot and begun sending: it now waits for a slot. */
const waitingForSlot = (p: TestPipeline) =>
  waitFor('the check-in waiting for a rate-limit slot', async () =>
    (await p.db.query("SELECT 1 FROM steps WHERE key = 'checkin-24h' AND state = 'sending'")).length === 1);

async function inbound(p: TestPipeline, body: string) {
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: accountSid, From: patient.phone, To: '+15550009999', Body: body };
  const res = await p.server!.inject({
    method: 'POST', url: '/webhooks/twilio/inbound',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(authToken, `${publicBaseUrl}/webhooks/twilio/inbound`, params) },
    payload: new URLSearchParams(params).toString(),
  });
  expect(res.statusCode).toBe(200);
}

const stepRow = (p: TestPipeline) =>
  p.db.query<{ state: string; reason: string | null }>("SELECT state, reason FROM steps WHERE key = 'checkin-24h'").then((r) => r[0]);
const finalStep = (p: TestPipeline) =>
  waitFor('the check-in final', async () => {
    const row = await stepRow(p);
    return row && row.state !== 'scheduled' && row.state !== 'sending' ? row : undefined;
  });

describe('a send waiting for its rate-limit slot', () => {
  it('sends no SMS after a STOP committed while it waited, and sends the check-in by email instead', async () => {
    const { p, twilio: t, sink: s, redis: r } = await startRig('preferred');
    const release = await fillRateSlots(p, r);
    await p.accept(sessionEvent({ escort: undefined, patient }));
    await waitingForSlot(p);
    await inbound(p, 'STOP');
    await release();

    expect(await finalStep(p)).toMatchObject({ state: 'sent' });
    await s.waitFor(1, 15_000);
    expect(t.messages.filter((m) => m.to === patient.phone)).toEqual([]);
    expect(s.messages.map((m) => m.to)).toEqual([[patient.email]]);
  });

  it('skips the check-in of a patient without email after a STOP committed while it waited', async () => {
    const { p, twilio: t, redis: r } = await startRig('sms');
    const release = await fillRateSlots(p, r);
    await p.accept(sessionEvent({ escort: undefined, patient: { ...patient, email: undefined } }));
    await waitingForSlot(p);
    await inbound(p, 'STOP');
    await release();

    expect(await finalStep(p)).toEqual({ state: 'skipped', reason: 'sms: patient opted out of SMS' });
    expect(t.messages.filter((m) => m.to === patient.phone)).toEqual([]);
    expect(await p.db.query('SELECT id FROM deliveries')).toEqual([]);
  });

  it('sends nothing for a plan cancelled while its send waited', async () => {
    const { p, twilio: t, sink: s, redis: r } = await startRig('preferred');
    const release = await fillRateSlots(p, r);
    const event = sessionEvent({ escort: undefined, patient });
    await p.accept(event);
    await waitingForSlot(p);
    await p.accept({ type: 'plan.cancelled', id: `evt-cancel-${event.session.id}`, clinicId: 'clinic-a', patientId: patient.id, reference: event.session.id });
    await waitFor('the plan cancelled', async () =>
      (await p.db.query('SELECT 1 FROM plans WHERE cancelled_at IS NOT NULL')).length === 1);
    await release();

    expect(await finalStep(p)).toEqual({ state: 'cancelled', reason: 'plan cancelled' });
    expect(t.messages).toEqual([]);
    expect(s.messages).toEqual([]);
  });
});
