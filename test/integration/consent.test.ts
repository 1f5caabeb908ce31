import { afterEach, describe, expect, it } from 'vitest';
import { unsubscribeKey } from '../../config/server-secret.ts';
import { hashPassword } from '../../lib/passwords.ts';
import { unsubscribePath } from '../../lib/unsubscribe-link.ts';
import { createWebhookEndpoint } from '../../store/webhook-endpoints.ts';
import { CONSENT_WORDING_VERSION } from '../../templates/consent-wording.ts';
import { inboundSms } from '../support/inbound-sms.ts';
import { clinicAKey, clinicBKey, otherClinic, sessionEvent, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { waitFor } from '../support/wait-for.ts';
import { cookiePair, csrfField } from '../support/console-client.ts';

// Each patient's consent as a history: granted by an event, withdrawn by STOP, granted again by
// START, changed by staff, withdrawn by an email link; the API and the console show it, newest last.

const patientPhone = '+15551234567';
const secret = 'consent-test-session-secret-0123456789abcdef';
const nurse = { username: 'jo.rivera', name: 'Jo Rivera', password: 'correct horse battery staple' };
const clinic = testClinic({
  staff: [{ username: nurse.username, name: nurse.name, passwordHash: await hashPassword(nurse.password) }],
  plans: { session: [{ key: 'light-meal', template: 'light-meal', after: 'PT6H' }] },
});

let rig: ProviderPipeline | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

async function startRig(): Promise<TestPipeline> {
  rig = await startProviderPipeline({ clinics: [clinic, otherClinic()], env: { SESSION_SECRET: secret } });
  return rig.p;
}

const consentOf = (p: TestPipeline, patientId = 'p-123', key = clinicAKey) =>
  p.server!.inject({ method: 'GET', url: `/v1/patients/${patientId}/consent`, headers: { authorization: `Bearer ${key}` } });
const records = async (p: TestPipeline) => (await consentOf(p)).json().records as Array<Record<string, unknown>>;


/** Signs the nurse in and answers the cookies a browser would then send. */
async function signIn(p: TestPipeline): Promise<string> {
  const page = await p.server!.inject({ method: 'GET', url: '/console/sign-in' });
  const csrfCookie = cookiePair(page.headers['set-cookie'], 'aftercare_csrf') ?? '';
  const res = await p.server!.inject({
    method: 'POST', url: '/console/sign-in', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    payload: new URLSearchParams({ _csrf: csrfField(page.body), username: nurse.username, password: nurse.password }).toString(),
  });
  expect(res.statusCode).toBe(303);
  return [csrfCookie, cookiePair(res.headers['set-cookie'], 'aftercare_staff') ?? ''].join('; ');
}

async function consoleChange(p: TestPipeline, cookies: string, form: Record<string, string>) {
  const page = await p.server!.inject({ method: 'GET', url: '/console/patients/p-123', headers: { cookie: cookies } });
  expect(page.statusCode).toBe(200);
  return p.server!.inject({
    method: 'POST', url: '/console/patients/p-123/consent', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
    payload: new URLSearchParams({ _csrf: csrfField(page.body), ...form }).toString(),
  });
}

describe('consent records', () => {
  it('keep the history across an event, STOP, START and a console change: order, sources, wording version, the keyword only', async () => {
    const p = await startRig();
    await createWebhookEndpoint(p.db, { id: 'wh-consent', clinicId: 'clinic-a', url: 'https://hooks.example.org/consent', eventTypes: ['consent.changed'],
      includeReplyBody: false, secretSealed: 'not-opened-in-this-test', enabled: true });
    await p.accept(sessionEvent({ escort: undefined }));
    await waitFor('the event consent', async () => (await records(p)).length === 2);

    await inboundSms(p, patientPhone, 'Stop');
    await inboundSms(p, patientPhone, 'START');
    await inboundSms(p, patientPhone, 'please stop texting me, I am fine now');
    const cookies = await signIn(p);
    const changed = await consoleChange(p, cookies, { channel: 'sms', status: 'granted' });
    expect(changed.statusCode).toBe(303);
    expect(changed.headers.location).toBe('/console/patients/p-123#consent');

    // Each change a person made is a consent.changed webhook; the event's grants, which the clinic sent, are not.
    const hooks = await p.db.query<{ payload: string }>("SELECT payload FROM webhook_deliveries WHERE event_type = 'consent.changed' ORDER BY created_at, id");
    expect(hooks.map((h) => JSON.parse(h.payload).data).map((d: Record<string, string>) => [d.consent, d.via])).toEqual([
      ['opted-out', 'sms-keyword'], ['opted-in', 'sms-keyword'], ['opted-out', 'sms-keyword'], ['opted-in', 'console']]);

    const res = await consentOf(p);
    expect(res.statusCode).toBe(200);
    expect(res.json().currentWordingVersion).toBe(CONSENT_WORDING_VERSION);
    const history = res.json().records as Array<Record<string, unknown>>;
    expect(history.map((r) => [r.channel, r.status, r.source, r.words ?? null, r.wordingVersion ?? null, r.by ?? null])).toEqual([
      ['sms', 'granted', 'event', null, CONSENT_WORDING_VERSION, null],
      ['email', 'granted', 'event', null, CONSENT_WORDING_VERSION, null],
      ['sms', 'withdrawn', 'stop-reply', 'STOP', null, null],
      ['sms', 'granted', 'start-reply', 'START', CONSENT_WORDING_VERSION, null],
      ['sms', 'withdrawn', 'stop-reply', 'STOP (in words)', null, null],
      ['sms', 'granted', 'console', null, CONSENT_WORDING_VERSION, 'jo.rivera (Jo Rivera)'],
    ]);
    // Newest last, by time as well as by order.
    const times = history.map((r) => Date.parse(String(r.at)));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(history[0]?.eventId).toMatch(/^evt-/);
    // The message a patient wrote is personal: only its keyword or cue is kept.
    const stored = JSON.stringify(await p.db.query('SELECT * FROM consent_records'));
    for (const words of ['texting', 'fine now', 'Stop"']) expect(stored).not.toContain(words);

    // The staff change applied to what the dispatcher reads: SMS may go again.
    const [row] = await p.db.query<{ sms_opted_out_at: Date | null; sms_consent: boolean }>("SELECT sms_opted_out_at, sms_consent FROM patients WHERE id = 'p-123'");
    expect(row).toEqual({ sms_opted_out_at: null, sms_consent: true });

    // The console shows the history on the patient page.
    const page = await p.server!.inject({ method: 'GET', url: '/console/patients/p-123', headers: { cookie: cookies } });
    expect(page.body).toContain('aria-label="Consent history"');
    expect(page.body).toContain('by jo.rivera (Jo Rivera)');
    expect(page.body).toContain('<q>STOP (in words)</q>');
    expect(page.body).toContain('Record consent change');
  });

  it('record an email unsubscribe with the way it came (one-click), and a staff withdrawal stops that channel', async () => {
    const p = await startRig();
    await p.accept(sessionEvent({ escort: undefined }));
    await waitFor('the event consent', async () => (await records(p)).length === 2);
    const path = unsubscribePath(unsubscribeKey(Buffer.from(secret, 'utf8')), { clinicId: 'clinic-a', patientId: 'p-123', channel: 'email' });
    const clicked = await p.server!.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(clicked.statusCode).toBe(200);
    const withdrawn = await consoleChange(p, await signIn(p), { channel: 'sms', status: 'withdrawn' });
    expect(withdrawn.statusCode).toBe(303);

    expect((await records(p)).slice(2).map((r) => [r.channel, r.status, r.source, r.words ?? null, r.by ?? null])).toEqual([
      ['email', 'withdrawn', 'unsubscribe-link', 'List-Unsubscribe=One-Click', null],
      ['sms', 'withdrawn', 'console', null, 'jo.rivera (Jo Rivera)'],
    ]);
    const [row] = await p.db.query<{ opted_out: boolean; email_opted_out: boolean }>(
      "SELECT sms_opted_out_at IS NOT NULL AS opted_out, email_opted_out FROM patients WHERE id = 'p-123'");
    expect(row).toEqual({ opted_out: true, email_opted_out: true });
  });

  it('change only when an event changes consent: a repeated event adds nothing, smsConsent false withdraws it', async () => {
    const p = await startRig();
    await p.accept(sessionEvent({ escort: undefined }));
    await p.accept(sessionEvent({ escort: undefined }));
    await waitFor('the event consent', async () => (await records(p)).length >= 2);
    const patient = { id: 'p-123', firstName: 'Samwise', phone: patientPhone, email: 'samwise@example.org', timezone: 'America/Denver', locale: 'en', channel: 'email', smsConsent: false };
    await p.accept(sessionEvent({ escort: undefined, patient }));
    expect((await records(p)).map((r) => [r.channel, r.status, r.source, r.words ?? null])).toEqual([
      ['sms', 'granted', 'event', null],
      ['email', 'granted', 'event', null],
      ['sms', 'withdrawn', 'event', 'smsConsent: false'],
    ]);
  });

  it('refuses another clinic\'s patient (404, as a missing one) and a bad staff form (400), changing nothing', async () => {
    const p = await startRig();
    await p.accept(sessionEvent({ escort: undefined }));
    await waitFor('the event consent', async () => (await records(p)).length === 2);
    const other = await consentOf(p, 'p-123', clinicBKey);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ error: { code: 'not-found' } });
    expect((await consentOf(p, 'p-123', 'not-a-key')).statusCode).toBe(401);
    const bad = await consoleChange(p, await signIn(p), { channel: 'fax', status: 'granted' });
    expect(bad.statusCode).toBe(400);
    expect(await records(p)).toHaveLength(2);
  });
});
