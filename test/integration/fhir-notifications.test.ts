import { createHmac } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ClinicInput } from '../../config/clinics.ts';
import { fhirAdministration, fhirEncounter, fhirEscort, fhirPatient, notificationBundle, sha256, smartClientKeys } from '../support/fhir-fixtures.ts';
import { startFhirServer, type FhirServer } from '../support/fhir-server.ts';
import { clinicAKey, otherClinic, testClinic } from '../support/pipeline.ts';
import { startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// A clinic's EHR sends Subscription notifications; Aftercare reads the rest from a real FHIR R4
// server over SMART Backend Services and sends the no-driving SMS through the local Twilio.

const notifyToken = 'subscription-header-token-0123456789';
const hmacSecret = 'harbour-shared-hmac-secret-0123456789';
let fhir: FhirServer;
let rig: ProviderPipeline;
let keyDir: string;

beforeAll(async () => {
  const keys = await smartClientKeys();
  keyDir = keys.dir;
  const secretFile = join(keys.dir, 'hmac.secret');
  writeFileSync(secretFile, hmacSecret);
  fhir = await startFhirServer({ clientId: 'aftercare-riverside', publicKey: keys.publicKey, pageSize: 1 });
  const plan = { session: [
    { key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore' as const, toEscort: true },
    { key: 'checkin-24h', template: 'checkin-24h', after: 'PT24H' },
  ] };
  const ehr = (notifications: NonNullable<NonNullable<ClinicInput['ehr']>['fhir']>['notifications']) => ({
    fhir: {
      baseUrl: fhir.fhirBase,
      auth: { method: 'smart-backend-services' as const, tokenUrl: fhir.tokenUrl, clientId: 'aftercare-riverside', privateKeyFile: keys.privateKeyFile, algorithm: 'RS384' as const },
      notifications,
    },
  });
  rig = await startProviderPipeline({
    clinics: [
      testClinic({ plans: plan, ehr: ehr({ method: 'bearer', tokenSha256: sha256(notifyToken) }) }),
      otherClinic({ plans: plan, ehr: ehr({ method: 'hmac-sha256', secretFile, header: 'X-Signature' }) }),
    ],
    env: { SEND_ATTEMPTS: '3', SEND_BACKOFF: 'PT0.1S' },
  });
});

afterAll(async () => {
  await rig?.dispose();
  await fhir?.close();
  rmSync(keyDir, { recursive: true, force: true });
});

/** A patient with a finished session (and an escort) at the FHIR server; n keeps tests apart. */
function seed(n: number, options: { drug?: 'ketamine-iv' | 'esketamine-nasal'; status?: 'finished' | 'in-progress' } = {}) {
  const phone = `+1555100000${n}`;
  fhir.put(fhirPatient({ id: `pat-${n}`, telecom: [{ system: 'phone', value: phone, use: 'mobile' }] }));
  fhir.put(fhirEscort({ id: `rp-${n}`, patient: { reference: `Patient/pat-${n}` } }));
  const encounter = fhir.put(fhirEncounter({ id: `enc-${n}`, subject: { reference: `Patient/pat-${n}` }, status: options.status ?? 'finished' }));
  fhir.put(fhirAdministration(options.drug ?? 'ketamine-iv', { id: `ma-${n}`, subject: { reference: `Patient/pat-${n}` }, context: { reference: `Encounter/enc-${n}` } }));
  return { phone, encounter };
}

function notify(bundle: unknown, options: { clinic?: string; headers?: Record<string, string> } = {}) {
  return rig.p.server!.inject({
    method: 'POST', url: `/fhir/r4/notify/${options.clinic ?? 'clinic-a'}`,
    headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${notifyToken}`, ...options.headers },
    payload: JSON.stringify(bundle),
  });
}

const smsTo = (phone: string) => rig.twilio.messages.filter((m) => m.to === phone);
const stored = async () => Number((await rig.p.db.query<{ n: string }>('SELECT count(*)::text AS n FROM ehr_notifications'))[0]!.n);

describe('FHIR Subscription notifications', () => {
  it('answers a handshake and a heartbeat with 200 and stores nothing', async () => {
    for (const type of ['handshake', 'heartbeat'] as const) {
      const res = await notify(notificationBundle({ type }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ type });
    }
    expect(await stored()).toBe(0);
  });

  it('reads an id-only finished Encounter over SMART Backend Services and sends the no-driving SMS to the patient and the escort', async () => {
    const { phone } = seed(1);
    const res = await notify(notificationBundle({ type: 'event-notification', eventNumber: 1, focus: 'Encounter/enc-1' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ stored: 1, duplicates: 0 });
    const [sms] = await waitFor('the no-driving SMS', () => (smsTo(phone).length ? smsTo(phone) : undefined));
    expect(sms!.body).toMatch(/don't drive for the rest of today/);
    await waitFor('the escort SMS', () => smsTo('+15557654321').find((m) => /make sure they don't drive/.test(m.body)));
    // The token came from the assertion; the Encounter and its Patient in one `_include` search; paged administrations.
    expect(fhir.requests.filter((r) => r.path.startsWith('/fhir/') && !r.authorised)).toEqual([]);
    expect(fhir.requests.some((r) => r.path.includes('_include=Encounter%3Asubject') || r.path.includes('_include=Encounter:subject'))).toBe(true);
  });

  it('maps a full-resource notification, carrying the Encounter itself', async () => {
    const { phone, encounter } = seed(2);
    const res = await notify(notificationBundle({ type: 'event-notification', eventNumber: 2, focus: 'Encounter/enc-2', resource: encounter }));
    expect(res.statusCode).toBe(200);
    const [sms] = await waitFor('the no-driving SMS', () => (smsTo(phone).length ? smsTo(phone) : undefined));
    expect(sms!.body).toMatch(/don't drive/);
  });

  it('schedules once when the same notification comes twice, and when another event names the same Encounter version', async () => {
    const { phone } = seed(3);
    const bundle = notificationBundle({ type: 'event-notification', eventNumber: 3, focus: 'Encounter/enc-3' });
    expect((await notify(bundle)).json()).toMatchObject({ stored: 1 });
    expect((await notify(bundle)).json()).toMatchObject({ stored: 0, duplicates: 1 });
    await notify(notificationBundle({ type: 'event-notification', eventNumber: 30, focus: 'Encounter/enc-3' }));
    await waitFor('both notifications mapped', async () =>
      (await rig.p.db.query("SELECT 1 FROM ehr_notifications WHERE dedup_key LIKE '% #3' OR dedup_key LIKE '% #30'")).length === 2
      && (await rig.p.db.query("SELECT 1 FROM ehr_notifications WHERE status = 'received'")).length === 0);
    await waitFor('the no-driving SMS', () => smsTo(phone).length > 0);
    const plans = await rig.p.db.query("SELECT id FROM plans WHERE reference = 'enc-enc-3'");
    expect(plans).toHaveLength(1);
    expect(smsTo(phone)).toHaveLength(1);
  });

  it('refuses a wrong bearer token and a bad HMAC signature with 401, storing nothing', async () => {
    const before = await stored();
    const bundle = notificationBundle({ type: 'event-notification', eventNumber: 4, focus: 'Encounter/enc-1' });
    expect((await notify(bundle, { headers: { authorization: 'Bearer not-the-subscription-token' } })).statusCode).toBe(401);
    expect((await notify(bundle, { headers: { authorization: '' } })).statusCode).toBe(401);
    expect((await notify(bundle, { clinic: 'clinic-b', headers: { authorization: '', 'x-signature': 'a'.repeat(64) } })).statusCode).toBe(401);
    // Clinic A's token is not clinic B's signature.
    expect((await notify(bundle, { clinic: 'clinic-b' })).statusCode).toBe(401);
    expect((await notify(bundle, { clinic: 'nowhere' })).statusCode).toBe(401);
    expect(await stored()).toBe(before);
    const payload = JSON.stringify(bundle);
    const signature = createHmac('sha256', hmacSecret).update(payload).digest('hex');
    const signed = await rig.p.server!.inject({
      method: 'POST', url: '/fhir/r4/notify/clinic-b', headers: { 'content-type': 'application/fhir+json', 'x-signature': `sha256=${signature}` }, payload,
    });
    expect(signed.statusCode).toBe(200);
  });

  it('retries while the FHIR server is down, then shows the notification as failed with the reason, and maps it on retry', async () => {
    const { phone } = seed(5);
    fhir.down = true;
    onTestFinished(() => { fhir.down = false; });
    await notify(notificationBundle({ type: 'event-notification', eventNumber: 5, focus: 'Encounter/enc-5' }));
    const list = async () => (await rig.p.server!.inject({ method: 'GET', url: '/v1/ehr/notifications?status=failed', headers: { authorization: `Bearer ${clinicAKey}` } })).json() as { notifications: Array<{ id: string; attempts: number; reason: string }> };
    const failed = await waitFor('the notification failed', async () => (await list()).notifications[0]);
    expect(failed.attempts).toBe(3);
    expect(failed.reason).toMatch(/^fhir-unreachable/);
    const metrics = await rig.p.server!.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/aftercare_ehr_notifications\{source="fhir",status="failed"\} [1-9]/);
    expect(smsTo(phone)).toHaveLength(0);
    fhir.down = false;
    const retry = await rig.p.server!.inject({ method: 'POST', url: `/v1/ehr/notifications/${failed.id}/retry`, headers: { authorization: `Bearer ${clinicAKey}` } });
    expect(retry.statusCode).toBe(202);
    await waitFor('the no-driving SMS after the retry', () => smsTo(phone).length > 0);
  });

  it('asks for a new token when the FHIR server revokes the one it gave', async () => {
    const first = seed(4);
    await notify(notificationBundle({ type: 'event-notification', eventNumber: 40, focus: 'Encounter/enc-4' }));
    await waitFor('the first SMS, read with a token now cached', () => smsTo(first.phone).length > 0);
    fhir.revokeTokens();
    const { phone } = seed(8);
    await notify(notificationBundle({ type: 'event-notification', eventNumber: 80, focus: 'Encounter/enc-8' }));
    await waitFor('the no-driving SMS', () => smsTo(phone).length > 0);
    const [row] = await rig.p.db.query<{ status: string; attempts: number }>("SELECT status, attempts FROM ehr_notifications WHERE dedup_key LIKE '% #80'");
    expect(row).toEqual({ status: 'done', attempts: 2 });
  });

  it('gives an esketamine encounter its own plan: no driving until the next day after a restful sleep', async () => {
    const { phone } = seed(6, { drug: 'esketamine-nasal' });
    await notify(notificationBundle({ type: 'event-notification', eventNumber: 6, focus: 'Encounter/enc-6' }));
    const [sms] = await waitFor('the esketamine no-driving SMS', () => (smsTo(phone).length ? smsTo(phone) : undefined));
    expect(sms!.body).toMatch(/until tomorrow, after a good night's sleep/);
    const event = await rig.p.db.query<{ body: { session: { treatment: string; modality: string } } }>("SELECT body FROM events WHERE id LIKE 'fhir-enc-enc-6-%'");
    expect(event[0]!.body.session).toMatchObject({ treatment: 'esketamine-nasal', modality: 'intranasal' });
    // REMS: the clinic's escalation contact is told the monitoring form is due within 7 days, once.
    const reminder = await waitFor('the REMS reminder', () => rig.sink.messages.find((m) => /REMS monitoring form due/.test(m.subject) && /patient pat-6/.test(m.subject)));
    expect(reminder.text).toMatch(/due within 7 days/);
    expect(reminder.text).not.toMatch(/Samwise/);
    expect(rig.sink.messages.filter((m) => /REMS/.test(m.subject)), 'ketamine sessions get none').toHaveLength(1);
  });

  it('cancels the plan when the Encounter is cancelled', async () => {
    seed(7);
    await notify(notificationBundle({ type: 'event-notification', eventNumber: 7, focus: 'Encounter/enc-7' }));
    await waitFor('the plan', async () => (await rig.p.db.query("SELECT 1 FROM steps s JOIN plans p ON p.id = s.plan_id WHERE p.reference = 'enc-enc-7' AND s.key = 'checkin-24h' AND s.state = 'scheduled'")).length === 1);
    fhir.put(fhirEncounter({ id: 'enc-7', subject: { reference: 'Patient/pat-7' }, status: 'cancelled' }));
    await notify(notificationBundle({ type: 'event-notification', eventNumber: 8, focus: 'Encounter/enc-7' }));
    await waitFor('the check-in cancelled', async () => (await rig.p.db.query("SELECT 1 FROM steps s JOIN plans p ON p.id = s.plan_id WHERE p.reference = 'enc-enc-7' AND s.key = 'checkin-24h' AND s.state = 'cancelled'")).length === 1);
  });

  it('records an Encounter still in progress as ignored, and a patient with no way to reach them as unmapped, with the reason', async () => {
    seed(9, { status: 'in-progress' });
    fhir.put(fhirPatient({ id: 'pat-10', telecom: [] }));
    fhir.put(fhirEncounter({ id: 'enc-10', subject: { reference: 'Patient/pat-10' } }));
    await notify(notificationBundle({ type: 'event-notification', eventNumber: 9, focus: 'Encounter/enc-9' }));
    await notify(notificationBundle({ type: 'event-notification', eventNumber: 10, focus: 'Encounter/enc-10' }));
    const reasons = await waitFor('both settled', async () => {
      const rows = await rig.p.db.query<{ status: string; reason: string }>("SELECT status, reason FROM ehr_notifications WHERE dedup_key LIKE '% #9' OR dedup_key LIKE '% #10' ORDER BY dedup_key DESC");
      return rows.length === 2 && rows.every((r) => r.status !== 'received') ? rows : undefined;
    });
    expect(reasons).toEqual([
      { status: 'ignored', reason: 'Encounter/enc-9 is in-progress, not finished' },
      { status: 'unmapped', reason: 'patient pat-10 has neither a mobile phone nor an email' },
    ]);
  });
});
