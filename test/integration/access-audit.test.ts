import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverSecret, unsubscribeKey } from '../../config/server-secret.ts';
import { hashPassword } from '../../lib/passwords.ts';
import { unsubscribeToken } from '../../lib/unsubscribe-link.ts';
import { raiseEscalation } from '../../store/escalations.ts';
import { verifyAccessAudit } from '../../store/access-audit.ts';
import { clinicAKey, clinicBKey, otherClinic, sessionEvent, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';
import { cookiePair, csrfField } from '../support/console-client.ts';

// Every read or change of patient data by a person or a key leaves exactly one entry, allowed or denied.

const nurse = { username: 'jo.rivera', name: 'Jo Rivera', password: 'correct horse battery staple' };
const auditor = { username: 'ari.audit', name: 'Ari Audit', password: 'another long passphrase' };
const operator = { username: 'operator', password: 'operator passphrase 123' };
const [nurseHash, auditorHash, operatorHash] = await Promise.all([hashPassword(nurse.password), hashPassword(auditor.password), hashPassword(operator.password)]);

let p: TestPipeline;
let nurseCookie = '';
let auditorCookie = '';
let escalationId = '';
const patientId = 'p-audit-1';


async function signIn(who: { username: string; password: string }) {
  const page = await p.server!.inject({ method: 'GET', url: '/console/sign-in' });
  const csrfCookie = cookiePair(page.headers['set-cookie'], 'aftercare_csrf') ?? '';
  const res = await p.server!.inject({
    method: 'POST', url: '/console/sign-in', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    payload: new URLSearchParams({ _csrf: csrfField(page.body), username: who.username, password: who.password }).toString(),
  });
  expect(res.statusCode).toBe(303);
  return cookiePair(res.headers['set-cookie'], 'aftercare_staff') ?? '';
}

/** A console form post: the CSRF cookie and token come from a page the same session opened. */
async function consolePost(cookie: string, url: string, form: Record<string, string>) {
  const page = await p.server!.inject({ method: 'GET', url: '/console/preview', headers: { cookie } });
  const csrf = cookiePair(page.headers['set-cookie'], 'aftercare_csrf') ?? '';
  return p.server!.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${cookie}; ${csrf}` },
    payload: new URLSearchParams({ _csrf: csrfField(page.body), ...form }).toString() });
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

interface Row { chain: string; seq: string; actor: string; role: string; action: string; outcome: string; status: number; clinic_id: string | null; patient_id: string | null; client_address: string | null }
const entries = () => p.db.query<Row>('SELECT * FROM access_audit ORDER BY chain, seq');

beforeAll(async () => {
  p = await startPipeline({
    clinics: [
      testClinic({ staff: [
        { username: nurse.username, name: nurse.name, passwordHash: nurseHash },
        { username: auditor.username, name: auditor.name, passwordHash: auditorHash, role: 'auditor' },
      ] }),
      otherClinic(),
    ],
    env: { OPERATOR_USERNAME: operator.username, OPERATOR_PASSWORD_HASH: operatorHash },
  });
  const accepted = await p.server!.inject({ method: 'POST', url: '/v1/events', headers: bearer(clinicAKey),
    payload: sessionEvent({ patient: { ...sessionEvent().patient, id: patientId } }) });
  expect(accepted.statusCode).toBe(202);
  await waitFor('the patient on record', async () => (await p.db.query('SELECT 1 FROM patients WHERE id = $1', [patientId])).length === 1);
  escalationId = (await raiseEscalation(p.db, { id: 'esc-audit-1', clinicId: 'clinic-a', patientId, kind: 'attention', reason: 'test' })).escalation.id;
  nurseCookie = await signIn(nurse);
  auditorCookie = await signIn(auditor);
});
afterAll(async () => {
  await p?.dispose();
});

type Case = [string, () => Promise<{ statusCode: number }>, Partial<Row>];
const cases: Case[] = [
  ['POST /v1/events', () => p.server!.inject({ method: 'POST', url: '/v1/events', headers: bearer(clinicAKey), payload: sessionEvent({ patient: { ...sessionEvent().patient, id: patientId } }) }),
    { action: 'event.accept', outcome: 'allowed', actor: 'key:seed', role: 'api-key', patient_id: patientId, chain: 'clinic-a' }],
  ['POST /v1/plans/preview', () => p.server!.inject({ method: 'POST', url: '/v1/plans/preview', headers: bearer(clinicAKey), payload: sessionEvent() }),
    { action: 'plan.preview', outcome: 'allowed', actor: 'key:seed', patient_id: 'p-123' }],
  ['GET a timeline', () => p.server!.inject({ method: 'GET', url: `/v1/patients/${patientId}/timeline`, headers: bearer(clinicAKey) }),
    { action: 'timeline.read', outcome: 'allowed', actor: 'key:seed', patient_id: patientId, status: 200, client_address: '127.0.0.1' }],
  ["GET another clinic's patient's timeline", () => p.server!.inject({ method: 'GET', url: `/v1/patients/${patientId}/timeline`, headers: bearer(clinicBKey) }),
    { action: 'timeline.read', outcome: 'denied', actor: 'key:seed', status: 404, chain: 'clinic-b' }],
  ['GET a consent history', () => p.server!.inject({ method: 'GET', url: `/v1/patients/${patientId}/consent`, headers: bearer(clinicAKey) }),
    { action: 'consent.read', outcome: 'allowed', actor: 'key:seed', patient_id: patientId, status: 200 }],
  ['GET a timeline without a key', () => p.server!.inject({ method: 'GET', url: `/v1/patients/${patientId}/timeline` }),
    { action: 'timeline.read', outcome: 'denied', actor: 'anonymous', role: 'none', status: 401, chain: '-', patient_id: null }],
  ['GET a timeline with an unknown key', () => p.server!.inject({ method: 'GET', url: `/v1/patients/${patientId}/timeline`, headers: bearer('not-a-real-key-at-all') }),
    { action: 'timeline.read', outcome: 'denied', actor: 'unknown-credentials', status: 401, chain: '-' }],
  ['GET /v1/escalations', () => p.server!.inject({ method: 'GET', url: '/v1/escalations', headers: bearer(clinicAKey) }),
    { action: 'escalations.read', outcome: 'allowed', patient_id: null }],
  ['POST an acknowledgement', () => p.server!.inject({ method: 'POST', url: `/v1/escalations/${escalationId}/ack`, headers: bearer(clinicAKey), payload: { by: 'Dr Lee' } }),
    { action: 'escalation.acknowledge', outcome: 'allowed', patient_id: patientId }],
  ["POST an acknowledgement of another clinic's escalation", () => p.server!.inject({ method: 'POST', url: `/v1/escalations/${escalationId}/ack`, headers: bearer(clinicBKey), payload: { by: 'Dr Lee' } }),
    { action: 'escalation.acknowledge', outcome: 'denied', actor: 'key:seed', status: 404, patient_id: null }],
  ['GET /v1/ehr/notifications', () => p.server!.inject({ method: 'GET', url: '/v1/ehr/notifications', headers: bearer(clinicAKey) }),
    { action: 'ehr-notifications.read', outcome: 'allowed' }],
  ["POST an HL7 message to another clinic's endpoint", () => p.server!.inject({ method: 'POST', url: '/hl7/v2/clinic-b', headers: { ...bearer(clinicAKey), 'content-type': 'x-application/hl7-v2+er7' }, payload: 'MSH|^~\\&|' }),
    { action: 'event.accept', outcome: 'denied', actor: 'key:seed', status: 403 }],
  ['POST a FHIR notification without its token', () => p.server!.inject({ method: 'POST', url: '/fhir/r4/notify/clinic-a', headers: { 'content-type': 'application/fhir+json' }, payload: '{}' }),
    { action: 'event.accept', outcome: 'denied', actor: 'ehr:clinic-a', role: 'ehr', status: 401 }],
  ['GET /v1/audit', () => p.server!.inject({ method: 'GET', url: '/v1/audit', headers: bearer(clinicAKey) }),
    { action: 'audit.search', outcome: 'allowed', actor: 'key:seed' }],
  ['the console inbox', () => p.server!.inject({ method: 'GET', url: '/console', headers: { cookie: nurseCookie } }),
    { action: 'inbox.read', outcome: 'allowed', actor: nurse.username, role: 'nurse', chain: 'clinic-a' }],
  ["the console's patient page", () => p.server!.inject({ method: 'GET', url: `/console/patients/${patientId}`, headers: { cookie: nurseCookie } }),
    { action: 'patient.read', outcome: 'allowed', actor: nurse.username, patient_id: patientId }],
  ["the console's patient page, signed out", () => p.server!.inject({ method: 'GET', url: `/console/patients/${patientId}` }),
    { action: 'patient.read', outcome: 'denied', actor: 'anonymous', status: 303, patient_id: null }],
  ['a console plan preview', () => consolePost(nurseCookie, '/console/preview', { event: JSON.stringify(sessionEvent()) }),
    { action: 'plan.preview', outcome: 'allowed', actor: nurse.username }],
  ['a console acknowledgement', () => consolePost(nurseCookie, `/console/escalations/${escalationId}/ack`, {}),
    { action: 'escalation.acknowledge', outcome: 'allowed', actor: nurse.username, patient_id: patientId, status: 303 }],
  ['the console audit page, as a nurse', () => p.server!.inject({ method: 'GET', url: '/console/audit', headers: { cookie: nurseCookie } }),
    { action: 'audit.search', outcome: 'denied', actor: nurse.username, status: 403 }],
  ['the console audit page, as an auditor', () => p.server!.inject({ method: 'GET', url: '/console/audit', headers: { cookie: auditorCookie } }),
    { action: 'audit.search', outcome: 'allowed', actor: auditor.username, role: 'auditor', status: 200 }],
  ["the patient's own unsubscribe link", () => p.server!.inject({ method: 'POST', url: `/unsubscribe/${unsubscribeToken(unsubscribeKey(serverSecret(p.env)), { clinicId: 'clinic-a', patientId, channel: 'email' })}` }),
    { action: 'email.opt-out', outcome: 'allowed', actor: 'patient-link', role: 'patient', patient_id: patientId, chain: 'clinic-a' }],
  ['the queue dashboard, signed in', () => p.server!.inject({ method: 'GET', url: '/admin/queues', headers: basic(operator.username, operator.password) }),
    { action: 'queues.sign-in', outcome: 'allowed', actor: 'operator', role: 'operator', chain: '-', clinic_id: null }],
  ['the queue dashboard, wrong password', () => p.server!.inject({ method: 'GET', url: '/admin/queues', headers: basic(operator.username, 'wrong horse battery') }),
    { action: 'queues.sign-in', outcome: 'denied', actor: 'unknown-credentials', status: 401, chain: '-' }],
];

describe('the access audit', () => {
  it.each(cases)('records %s as exactly one entry', async (_name, request, expected) => {
    const before = await entries();
    const res = await request();
    const after = await entries();
    expect(after.length - before.length).toBe(1);
    const seen = new Set(before.map((e) => `${e.chain}/${e.seq}`));
    const added = after.find((e) => !seen.has(`${e.chain}/${e.seq}`))!;
    expect(added).toMatchObject({ status: res.statusCode, ...expected });
  });

  it('records no entry for a refused input that read nothing', async () => {
    const before = (await entries()).length;
    const res = await p.server!.inject({ method: 'GET', url: '/v1/patients/bad%20id!/timeline', headers: bearer(clinicAKey) });
    expect(res.statusCode).toBe(400);
    expect((await entries()).length).toBe(before);
  });

  it('keeps one gapless chain per clinic under concurrent requests of several clinics, recorded together', async () => {
    await Promise.all(Array.from({ length: 60 }, (_, i) => p.server!.inject({ method: 'GET', url: `/v1/patients/${patientId}/timeline`, headers: bearer(i % 2 ? clinicBKey : clinicAKey) })));
    for (const chain of ['clinic-a', 'clinic-b']) {
      const seqs = (await entries()).filter((e) => e.chain === chain).map((e) => Number(e.seq));
      expect(seqs.length).toBeGreaterThanOrEqual(30);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
    expect((await verifyAccessAudit(p.db)).breaks).toEqual([]);
  });

  it('writes no phone, email, name or message text into an entry', async () => {
    const text = JSON.stringify(await entries());
    for (const secret of ['+15551234567', 'samwise@example.org', 'Samwise', 'Alexandrina', nurse.name]) expect(text).not.toContain(secret);
  });

  it("answers a clinic's own entries only, filtered by patient and paged, as JSON and CSV", async () => {
    const res = await p.server!.inject({ method: 'GET', url: `/v1/audit?patientId=${patientId}&limit=2`, headers: bearer(clinicAKey) });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ entries: Array<{ seq: number; clinicId: string; patientId: string }>; next: string }>();
    expect(body.entries).toHaveLength(2);
    expect(body.entries.every((e) => e.clinicId === 'clinic-a' && e.patientId === patientId)).toBe(true);
    expect(res.headers.link).toBe(`<${body.next}>; rel="next"`);
    const next = await p.server!.inject({ method: 'GET', url: body.next, headers: bearer(clinicAKey) });
    expect(next.json<{ entries: Array<{ seq: number }> }>().entries[0]!.seq).toBeGreaterThan(body.entries[1]!.seq);

    const csv = await p.server!.inject({ method: 'GET', url: '/v1/audit?format=csv&actor=key:seed', headers: bearer(clinicBKey) });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('seq,at,actor,role,action,outcome,status,clinicId,patientId,clientAddress,prevHash,hash');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((l) => l.includes('"clinic-b"'))).toBe(true);
    expect(csv.body).not.toContain('"clinic-a"');
  });

  it('shows nothing when the access cannot be recorded, and says so in the one error shape', async () => {
    await p.db.query('ALTER TABLE access_audit RENAME TO access_audit_away');
    try {
      const res = await p.server!.inject({ method: 'GET', url: `/v1/patients/${patientId}/timeline`, headers: bearer(clinicAKey) });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ error: { code: 'database-unavailable', message: 'The access could not be recorded; nothing is shown.' } });
      expect(res.body).not.toContain('step.');
    } finally {
      await p.db.query('ALTER TABLE access_audit_away RENAME TO access_audit');
    }
  });

  it('refuses a bad date in the query with the field named', async () => {
    const res = await p.server!.inject({ method: 'GET', url: '/v1/audit?from=yesterday', headers: bearer(clinicAKey) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid-input', fields: [{ path: 'from' }] });
  });
});
