import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClinicConfigError, resolveClinics, type ClinicInput } from '../../config/clinics.ts';
import { clinicAKey, otherClinic, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';

const operatorKey = 'operator-key-for-the-admin-tests';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let p: TestPipeline;
beforeAll(async () => {
  p = await startPipeline({ role: 'api', env: { OPERATOR_API_KEY_SHA256: sha256(operatorKey) },
    clinics: [testClinic(), otherClinic({ staff: [{ username: 'jo', name: 'Jo', passwordHash: 'scrypt$x' }] })] });
});
afterAll(async () => {
  await p?.dispose();
});

type Answer = { statusCode: number; body: Record<string, any> };
async function admin(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key = operatorKey): Promise<Answer> {
  const res = await p.server!.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { statusCode: res.statusCode, body: res.json() };
}

/** What a clinic file listing the changed clinic after the other says: its problems, paths relative to the clinic. */
function fileRefusal(clinicA: unknown): { text: string; fields: Array<{ path: string; message: string }> } {
  try {
    resolveClinics({ clinics: [otherClinic({ staff: [{ username: 'jo', name: 'Jo', passwordHash: 'scrypt$x' }] }), clinicA] });
  } catch (err) {
    if (!(err instanceof ClinicConfigError)) throw err;
    return { text: err.message, fields: err.problems.map((q) => ({ path: q.path.replace(/^clinics\.1\.?/, ''), message: q.message })) };
  }
  throw new Error('the clinic file accepted it');
}

describe('the admin API', () => {
  it.each([
    { case: 'a time zone that does not exist', clinic: testClinic({ timezone: 'Mars/Olympus' }), path: 'timezone' },
    { case: 'a contact with neither phone nor email', clinic: testClinic({ escalation: { contacts: [{ name: 'Nobody' }] } }), path: 'escalation.contacts.0' },
    { case: 'a plan step naming a missing template', clinic: testClinic({ plans: { session: [{ key: 'meal', template: 'ligth-meal', after: 'PT2H' }] } }), path: 'plans.session.0.template' },
    { case: "another clinic's staff username", clinic: testClinic({ staff: [{ username: 'jo', name: 'Jo Two', passwordHash: 'scrypt$y' }] }), path: 'staff.0.username' },
    { case: 'an unknown field', clinic: { ...testClinic(), fax: '+15550001111' } as ClinicInput, path: '' },
    { case: 'an override of a template that does not exist', clinic: testClinic({ templates: { 'no-such': { en: { sms: 'Hi' } } } }), path: 'templates.no-such' },
    { case: 'an override with an unknown placeholder', clinic: testClinic({ templates: { 'light-meal': { en: { sms: 'Hi {name}' } } } }), path: 'templates.light-meal.en.sms' },
  ])('refuses $case with the clinic file’s own path and message, and changes nothing', async ({ clinic, path }) => {
    const before = await admin('GET', '/v1/admin/clinics/clinic-a/versions');
    const file = fileRefusal(clinic);
    const res = await admin('PUT', '/v1/admin/clinics/clinic-a', clinic);
    expect(res.statusCode).toBe(422);
    expect(res.body.error.code).toBe('invalid-config');
    expect(res.body.error.fields).toEqual(file.fields);
    expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(path);
    for (const f of res.body.error.fields) expect(file.text).toContain(f.message);
    expect((await admin('GET', '/v1/admin/clinics/clinic-a/versions')).body.versions).toEqual(before.body.versions);
  });

  it('saves a change as the next version, in force at once, with who and which paths changed', async () => {
    const current = (await admin('GET', '/v1/admin/clinics/clinic-a')).body;
    const res = await admin('PUT', '/v1/admin/clinics/clinic-a/quiet-hours', { start: '22:00', end: '07:30' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toEqual({ clinicId: 'clinic-a', version: current.version + 1, diff: [{ path: 'quietHours.end', op: 'changed' }, { path: 'quietHours.start', op: 'changed' }] });
    expect(p.clinics.get('clinic-a')?.quietHours).toEqual({ start: '22:00', end: '07:30' });
    expect(p.clinics.get('clinic-a')?.configVersion).toBe(current.version + 1);

    const versions = (await admin('GET', '/v1/admin/clinics/clinic-a/versions')).body.versions;
    expect(versions[0]).toMatchObject({ version: current.version + 1, actor: 'operator', diff: res.body.diff });
    const one = (await admin('GET', `/v1/admin/clinics/clinic-a/versions/${current.version + 1}`)).body;
    expect(one.document.quietHours).toEqual({ start: '22:00', end: '07:30' });
    expect(JSON.stringify(versions)).not.toMatch(/\+1555|@example|scrypt/);
  });

  it('adds staff and contacts through their own routes and by merge patch', async () => {
    expect((await admin('PUT', '/v1/admin/clinics/clinic-a/staff', [{ username: 'sam.nurse', name: 'Sam', passwordHash: 'scrypt$z' }])).statusCode).toBe(200);
    expect(p.clinics.get('clinic-a')?.staff.map((s) => s.username)).toEqual(['sam.nurse']);
    const contacts = [{ name: 'Night nurse', phone: '+15550009999' }];
    expect((await admin('PUT', '/v1/admin/clinics/clinic-a/contacts', contacts)).statusCode).toBe(200);
    expect((await admin('GET', '/v1/admin/clinics/clinic-a/contacts')).body).toEqual(contacts);
    const patched = await admin('PATCH', '/v1/admin/clinics/clinic-a', { name: 'Riverside North', smsNumbers: ['+15550007777'] });
    expect(patched.body.diff).toEqual([{ path: 'name', op: 'changed' }, { path: 'smsNumbers.0', op: 'added' }]);
    expect(p.clinics.get('clinic-a')?.name).toBe('Riverside North');
  });

  it('previews a dry run: the plans of a sample event and each message with its segments, changing nothing', async () => {
    const before = (await admin('GET', '/v1/admin/clinics/clinic-a')).body;
    const override = { 'light-meal': { en: { sms: 'Hi {firstName}, {clinicName} here: eat something light now. Call {clinicPhone} with any question.' },
      es: { sms: `Hola {firstName} 😊 ${'come algo ligero ahora, por favor. '.repeat(3)}` } } };
    const res = await admin('PUT', '/v1/admin/clinics/clinic-a/templates?dryRun=true', override);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, clinicId: 'clinic-a', version: before.version + 1, diff: [
      { path: 'templates.light-meal.en.sms', op: 'added' }, { path: 'templates.light-meal.es.sms', op: 'added' }] });
    expect(res.body.preview.plans.session.steps.map((s: { key: string }) => s.key)).toEqual(['no-driving', 'no-driving', 'light-meal', 'checkin-24h']);
    expect(res.body.preview.plans.cessation.plan).toBe('cessation');
    const meal = (locale: string) => res.body.preview.messages.find((m: { template: string; locale: string }) => m.template === 'light-meal' && m.locale === locale);
    expect(meal('en')).toMatchObject({ sms: 'Hi Alejandra, Riverside North here: eat something light now. Call +15550001111 with any question.', segments: 1, encoding: 'GSM-7' });
    expect(meal('es')).toMatchObject({ encoding: 'UCS-2', segments: 2, ucs2Characters: ['😊'] });

    const after = (await admin('GET', '/v1/admin/clinics/clinic-a')).body;
    expect(after).toEqual(before);
    expect(p.clinics.get('clinic-a')?.templates).toEqual({});
  });

  it('sends a clinic’s own wording once the override is saved', async () => {
    expect((await admin('PUT', '/v1/admin/clinics/clinic-b/templates', { 'light-meal': { en: { sms: 'Eat light, {firstName}.' } } })).statusCode).toBe(200);
    expect(p.clinics.get('clinic-b')?.templates['light-meal']?.en?.sms).toBe('Eat light, {firstName}.');
  });

  it('creates a clinic for the operator only, and refuses an id that exists as the file does', async () => {
    const fresh = testClinic({ id: 'clinic-new', name: 'New Clinic', apiKeySha256: sha256('new-clinic-key'), smsNumbers: [] });
    const created = await admin('POST', '/v1/admin/clinics', fresh);
    expect(created.statusCode).toBe(201);
    expect(created.body.version).toBe(1);
    expect(p.clinics.get('clinic-new')?.name).toBe('New Clinic');
    const again = await admin('POST', '/v1/admin/clinics', fresh);
    expect(again.statusCode).toBe(422);
    expect(again.body.error.fields).toEqual([{ path: 'id', message: 'listed twice' }]);
    const list = (await admin('GET', '/v1/admin/clinics')).body.clinics.map((c: { id: string }) => c.id);
    expect(list).toEqual(['clinic-a', 'clinic-b', 'clinic-new']);
  });

  it('lets a clinic admin key change its own clinic only, and never with an event key', async () => {
    const made = await admin('POST', '/v1/admin/clinics/clinic-b/keys', { name: 'harbour admin', scope: 'admin' });
    expect(made.statusCode).toBe(201);
    const key = made.body.key as string;
    expect((await admin('GET', '/v1/admin/clinics', undefined, key)).body.clinics.map((c: { id: string }) => c.id)).toEqual(['clinic-b']);
    expect((await admin('GET', '/v1/admin/clinics/clinic-a', undefined, key)).statusCode).toBe(403);
    expect((await admin('POST', '/v1/admin/clinics', testClinic({ id: 'clinic-z' }), key)).statusCode).toBe(403);
    const changed = await admin('PUT', '/v1/admin/clinics/clinic-b/quiet-hours', { start: '20:00', end: '09:00' }, key);
    expect(changed.statusCode).toBe(200);
    expect((await admin('GET', '/v1/admin/clinics/clinic-b/versions', undefined, key)).body.versions[0].actor).toBe('key:harbour admin');
    expect((await admin('GET', '/v1/admin/clinics/clinic-a', undefined, clinicAKey)).statusCode).toBe(403);
    const none = await p.server!.inject({ method: 'GET', url: '/v1/admin/clinics' });
    expect(none.statusCode).toBe(401);
    expect((await admin('GET', '/v1/admin/clinics', undefined, 'not-a-key-anyone-has')).body.error.code).toBe('unauthenticated');
  });

  it('refuses a write whose If-Match names a version that is no longer current, and tags each answer with its version', async () => {
    const read = await p.server!.inject({ method: 'GET', url: '/v1/admin/clinics/clinic-a/quiet-hours', headers: { authorization: `Bearer ${operatorKey}` } });
    const etag = String(read.headers.etag);
    expect(etag).toMatch(/^"v\d+"$/);
    const put = (headers: Record<string, string>, start: string) => p.server!.inject({ method: 'PUT', url: '/v1/admin/clinics/clinic-a/quiet-hours',
      headers: { authorization: `Bearer ${operatorKey}`, ...headers }, payload: { start, end: '07:00' } });
    const first = await put({ 'if-match': etag }, '21:30');
    expect(first.statusCode).toBe(200);
    expect(first.headers.etag).toBe(`"v${first.json().version}"`);
    const stale = await put({ 'if-match': etag }, '23:00');
    expect(stale.statusCode).toBe(412);
    expect(stale.json().error.code).toBe('version-conflict');
    expect((await admin('GET', '/v1/admin/clinics/clinic-a/quiet-hours')).body).toEqual({ start: '21:30', end: '07:00' });
    expect((await put({ 'if-match': 'v3' }, '23:00')).statusCode).toBe(400);
    expect((await put({ 'if-match': '*' }, '21:45')).statusCode).toBe(200);
  });

  it('keeps both of two changes to different parts made at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const start = `1${round}:30`;
      const wording = `Eat light, {firstName} (${round}).`;
      const [hours, templates] = await Promise.all([
        admin('PUT', '/v1/admin/clinics/clinic-b/quiet-hours', { start, end: '08:00' }),
        admin('PUT', '/v1/admin/clinics/clinic-b/templates', { 'light-meal': { en: { sms: wording } } }),
      ]);
      expect([hours.statusCode, templates.statusCode], JSON.stringify([hours.body, templates.body])).toEqual([200, 200]);
      const document = (await admin('GET', '/v1/admin/clinics/clinic-b')).body.document;
      expect(document.quietHours.start).toBe(start);
      expect(document.templates['light-meal'].en.sms).toBe(wording);
    }
  });

  it('creates a clinic with no key of its own in the document: its keys are made through the admin API', async () => {
    const { apiKeySha256: _seed, ...keyless } = testClinic({ id: 'clinic-keyless', name: 'Keyless Clinic', smsNumbers: [] });
    expect((await admin('POST', '/v1/admin/clinics', keyless)).statusCode).toBe(201);
    const made = await admin('POST', '/v1/admin/clinics/clinic-keyless/keys', { name: 'ehr' });
    expect(made.statusCode).toBe(201);
    const timeline = (key: string) => p.server!.inject({ method: 'GET', url: '/v1/patients/nobody/timeline', headers: { authorization: `Bearer ${key}` } });
    expect((await timeline(made.body.key)).statusCode).toBe(404);
    expect((await admin('GET', '/v1/admin/clinics/clinic-keyless/keys')).body.keys.map((k: { name: string }) => k.name)).toEqual(['ehr']);
  });

  it('stops the seed key when the document no longer names it', async () => {
    const seedKey = 'seed-key-that-will-be-dropped';
    expect((await admin('POST', '/v1/admin/clinics', testClinic({ id: 'clinic-dropped', name: 'Dropped Seed', apiKeySha256: sha256(seedKey), smsNumbers: [] }))).statusCode).toBe(201);
    const timeline = () => p.server!.inject({ method: 'GET', url: '/v1/patients/nobody/timeline', headers: { authorization: `Bearer ${seedKey}` } });
    expect((await timeline()).statusCode).toBe(404);
    expect((await admin('PATCH', '/v1/admin/clinics/clinic-dropped', { apiKeySha256: null })).statusCode).toBe(200);
    expect((await timeline()).statusCode).toBe(401);
  });
});
