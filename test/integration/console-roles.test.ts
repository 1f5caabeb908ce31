import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../lib/passwords.ts';
import { raiseEscalation } from '../../store/escalations.ts';
import { consoleBrowser, cookiePair } from '../support/console-client.ts';
import { clinicAKey, sessionEvent, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';

// Each role sees and does only what it should: refusals are 403 pages saying why, and change nothing.

const password = 'correct horse battery staple';
const passwordHash = await hashPassword(password);
const nurse = { username: 'jo.rivera', password };
const admin = { username: 'ana.admin', password };
const auditor = { username: 'ali.auditor', password };
const clinic = testClinic({
  staff: [
    { username: nurse.username, name: 'Jo Rivera', passwordHash },
    { username: admin.username, name: 'Ana Admin', passwordHash, role: 'admin' },
    { username: auditor.username, name: 'Ali Auditor', passwordHash, role: 'auditor' },
  ],
});

let pipeline: TestPipeline | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  pipeline = undefined;
});

async function startWithEscalation() {
  pipeline = await startPipeline({ role: 'api', clinics: [clinic] });
  const p = pipeline;
  const res = await p.server!.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${clinicAKey}` }, payload: sessionEvent() });
  expect(res.statusCode).toBe(202);
  await raiseEscalation(p.db, { id: 'esc-roles-1', clinicId: 'clinic-a', patientId: 'p-123', kind: 'attention', reason: 'rated the check-in 1 of 5' });
  return p;
}

const status = async (p: TestPipeline) => (await p.db.query<{ status: string }>("SELECT status FROM escalations WHERE id = 'esc-roles-1'"))[0]?.status;

describe('console roles', () => {
  it('refuses a nurse the clinic settings with a 403 page, and lets a clinic admin open them', async () => {
    const p = await startWithEscalation();
    const asNurse = await consoleBrowser(p, nurse);
    const refused = await asNurse.get('/console/clinic');
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Not allowed');
    expect(refused.body).toContain("Signed in as nurse, you cannot open the clinic&#39;s configuration.");
    expect(refused.body).not.toContain('Clinic settings: Riverside Clinic');
    expect((await asNurse.get('/console')).body).not.toContain('href="/console/clinic"');

    const asAdmin = await consoleBrowser(p, admin);
    const settings = await asAdmin.get('/console/clinic');
    expect(settings.statusCode).toBe(200);
    expect(settings.body).toContain('Clinic settings: Riverside Clinic');
    expect(settings.body).toMatch(/ali\.auditor<\/td><td data-label="Name">Ali Auditor<\/td><td data-label="Role">auditor/);
    expect((await asAdmin.get('/console')).body).toContain('href="/console/clinic"');
  });

  it('lets a nurse acknowledge and preview', async () => {
    const p = await startWithEscalation();
    const asNurse = await consoleBrowser(p, nurse);
    expect((await asNurse.get('/console')).body).toContain('Acknowledge');
    const preview = await asNurse.post('/console/preview', { event: JSON.stringify(sessionEvent()) }, '/console/preview');
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('Schedule: session plan');
    const ack = await asNurse.post('/console/escalations/esc-roles-1/ack', {});
    expect(ack.statusCode).toBe(303);
    expect(await status(p)).toBe('acknowledged');
  });

  it('shows an auditor the inbox and patient pages without an Acknowledge button, and refuses every POST but sign-out', async () => {
    const p = await startWithEscalation();
    const asAuditor = await consoleBrowser(p, auditor);
    const inbox = await asAuditor.get('/console');
    expect(inbox.statusCode).toBe(200);
    expect(inbox.body).toContain('rated the check-in 1 of 5');
    expect(inbox.body).not.toContain('/ack"');
    expect(inbox.body).toContain('Ali Auditor (auditor)');
    expect((await asAuditor.get('/console/patients/p-123')).statusCode).toBe(200);

    const ack = await asAuditor.post('/console/escalations/esc-roles-1/ack', {});
    expect(ack.statusCode).toBe(403);
    expect(ack.body).toContain('Signed in as auditor, you cannot acknowledge escalations.');
    expect(await status(p)).toBe('open');

    const preview = await asAuditor.post('/console/preview', { event: JSON.stringify(sessionEvent()) });
    expect(preview.statusCode).toBe(403);
    expect(preview.body).not.toContain('Schedule:');
    expect((await asAuditor.get('/console/clinic')).statusCode).toBe(403);

    const signOut = await asAuditor.post('/console/sign-out', {});
    expect(signOut.statusCode).toBe(303);
    expect(signOut.headers.location).toBe('/console/sign-in');
  });

  it("lets a clinic admin's console session use the admin API for its own clinic only, and a nurse's not at all", async () => {
    const p = await startWithEscalation();
    const sessionOf = async (who: { username: string; password: string }) => {
      const page = await p.server!.inject({ method: 'GET', url: '/console/sign-in' });
      const csrf = cookiePair(page.headers['set-cookie'], 'aftercare_csrf') ?? '';
      const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const res = await p.server!.inject({ method: 'POST', url: '/console/sign-in', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrf },
        payload: new URLSearchParams({ _csrf: token, ...who }).toString() });
      return cookiePair(res.headers['set-cookie'], 'aftercare_staff') ?? '';
    };
    const adminCookie = await sessionOf(admin);
    const nurseCookie = await sessionOf(nurse);
    const read = (cookie: string) => p.server!.inject({ method: 'GET', url: '/v1/admin/clinics/clinic-a/quiet-hours', headers: { cookie } });
    expect((await read(adminCookie)).statusCode).toBe(200);
    expect((await read(nurseCookie)).statusCode).toBe(401);
    const otherClinic = await p.server!.inject({ method: 'GET', url: '/v1/admin/clinics/clinic-b/quiet-hours', headers: { cookie: adminCookie } });
    expect(otherClinic.statusCode).toBe(401);
    // A change needs the console's own header too: a cross-site form carries the cookie, never the header.
    const change = await p.server!.inject({ method: 'PUT', url: '/v1/admin/clinics/clinic-a/quiet-hours', headers: { cookie: adminCookie }, payload: { start: '22:00', end: '07:00' } });
    expect(change.statusCode).toBe(401);
    const fromConsole = await p.server!.inject({ method: 'PUT', url: '/v1/admin/clinics/clinic-a/quiet-hours',
      headers: { cookie: adminCookie, 'x-aftercare-console': '1' }, payload: { start: '22:00', end: '07:00' } });
    expect(fromConsole.statusCode).toBe(200);
    expect((await read(adminCookie)).json()).toEqual({ start: '22:00', end: '07:00' });
  });

  it("lets a clinic admin change the clinic's quiet hours from the console, refuses a bad time in words, and refuses a nurse", async () => {
    const p = await startWithEscalation();
    const asAdmin = await consoleBrowser(p, admin);
    const saved = await asAdmin.post('/console/clinic/quiet-hours', { start: '22:00', end: '07:00' }, '/console/clinic');
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/console/clinic?saved=quiet-hours');
    const stored = await p.db.query<{ document: { quietHours: unknown } }>("SELECT document FROM clinic_configs WHERE clinic_id = 'clinic-a'");
    expect(stored[0]?.document.quietHours).toEqual({ start: '22:00', end: '07:00' });

    const bad = await asAdmin.post('/console/clinic/quiet-hours', { start: '25:00', end: '07:00' }, '/console/clinic');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="quiet-hours-problem"');

    const asNurse = await consoleBrowser(p, nurse);
    const refused = await asNurse.post('/console/clinic/quiet-hours', { start: '20:00', end: '07:00' }, '/console');
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain("you cannot change the clinic&#39;s configuration");
  });
});
