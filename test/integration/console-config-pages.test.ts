import { chromium, type Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../lib/passwords.ts';
import { consoleBrowser, cookiePair, csrfField } from '../support/console-client.ts';
import { sessionEvent, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';

// The clinic admin's configuration pages: every change goes through the admin API, versioned,
// and a nurse or an auditor changes nothing.

const password = 'correct horse battery staple';
const passwordHash = await hashPassword(password);
const admin = { username: 'ana.admin', password };
const nurse = { username: 'jo.rivera', password };
const auditor = { username: 'ali.auditor', password };
const clinic = testClinic({
  staff: [
    { username: admin.username, name: 'Ana Admin', passwordHash, role: 'admin' },
    { username: nurse.username, name: 'Jo Rivera', passwordHash },
    { username: auditor.username, name: 'Ali Auditor', passwordHash, role: 'auditor' },
  ],
});

let pipeline: TestPipeline | undefined;
let browser: Browser | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  await browser?.close();
  pipeline = browser = undefined;
});

async function start() {
  pipeline = await startPipeline({ role: 'api', clinics: [clinic] });
  return pipeline;
}

const stored = async (p: TestPipeline) =>
  (await p.db.query<{ version: number; document: Record<string, unknown> }>("SELECT version, document FROM clinic_configs WHERE clinic_id = 'clinic-a'"))[0]!;
const unescape = (body: string) => body.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const formType = { 'content-type': 'application/x-www-form-urlencoded' };
const textarea = (body: string) => unescape(/<textarea[^>]*>([\s\S]*?)<\/textarea>/.exec(body)?.[1] ?? '');

describe('console configuration pages', () => {
  it('adds a nurse who can then sign in with the given password, keeping only its hash; changes the role; removes them', async () => {
    const p = await start();
    const asAdmin = await consoleBrowser(p, admin);
    const short = await asAdmin.post('/console/clinic/staff', { username: 'sam.new', name: 'Sam New', role: 'nurse', password: 'short' }, '/console/clinic/staff');
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('role="alert"');
    expect(short.body).toContain('value="sam.new"');

    const added = await asAdmin.post('/console/clinic/staff', { username: 'sam.new', name: 'Sam New', role: 'nurse', password: 'a new long password' }, '/console/clinic/staff');
    expect(added.statusCode).toBe(303);
    expect(added.headers.location).toBe('/console/clinic/staff?saved=added');
    const staff = (await stored(p)).document.staff;
    expect(JSON.stringify(staff)).not.toContain('a new long password');
    expect(staff).toContainEqual({ username: 'sam.new', name: 'Sam New', role: 'nurse', passwordHash: expect.stringMatching(/^scrypt\$/) });

    const asSam = await consoleBrowser(p, { username: 'sam.new', password: 'a new long password' });
    expect((await asSam.get('/console')).body).toContain('Sam New (nurse)');

    const reRoled = await asAdmin.post('/console/clinic/staff/sam.new/role', { role: 'auditor' }, '/console/clinic/staff');
    expect(reRoled.statusCode).toBe(303);
    expect((await asSam.get('/console')).body).toContain('Sam New (auditor)');

    // The admin cannot lock themselves (and perhaps the clinic) out.
    for (const url of ['/console/clinic/staff/ana.admin/role', '/console/clinic/staff/ana.admin/remove']) {
      const self = await asAdmin.post(url, { role: 'nurse' }, '/console/clinic/staff');
      expect(self.statusCode).toBe(400);
      expect(self.body).toContain('You cannot change your own role or remove yourself here');
    }
    expect((await stored(p)).document.staff).toContainEqual(expect.objectContaining({ username: 'ana.admin', role: 'admin' }));

    const removed = await asAdmin.post('/console/clinic/staff/sam.new/remove', {}, '/console/clinic/staff');
    expect(removed.statusCode).toBe(303);
    expect((await asSam.get('/console')).headers.location).toBe('/console/sign-in');
    await expect(consoleBrowser(p, { username: 'sam.new', password: 'a new long password' })).rejects.toThrow('sign-in answered 401');
    expect(p.logLines.join('\n')).not.toContain('a new long password');
  });

  it('adds an escalation contact and moves it up, and the stored ladder has that order', async () => {
    const p = await start();
    const asAdmin = await consoleBrowser(p, admin);
    const added = await asAdmin.post('/console/clinic/contacts', { name: 'Charge nurse', phone: '+15550003333', email: '' }, '/console/clinic/contacts');
    expect(added.statusCode).toBe(303);
    const moved = await asAdmin.post('/console/clinic/contacts/1/up', { name: 'Charge nurse' }, '/console/clinic/contacts');
    expect(moved.statusCode).toBe(303);
    const ladder = (await stored(p)).document.escalation as { contacts: Array<{ name: string }> };
    expect(ladder.contacts.map((c) => c.name)).toEqual(['Charge nurse', 'On-call nurse']);
    // A page opened before the move names the rung it saw; the rung now holds someone else, so nothing moves.
    const stale = await asAdmin.post('/console/clinic/contacts/1/up', { name: 'Charge nurse' }, '/console/clinic/contacts');
    expect(stale.statusCode).toBe(400);
    expect(stale.body).toContain('The ladder changed since this page was opened');
    const page = await asAdmin.get('/console/clinic/contacts');
    expect(page.body.indexOf('Charge nurse')).toBeLessThan(page.body.indexOf('On-call nurse'));

    // A contact with neither phone nor email is the API's refusal, at the API's path.
    const refused = await asAdmin.post('/console/clinic/contacts', { name: 'Nobody', phone: '', email: '' }, '/console/clinic/contacts');
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('<code>escalation.contacts.2</code>');
    expect(refused.body).toContain('value="Nobody"');
    expect((await stored(p)).document.escalation).toEqual(ladder);
  });

  it('previews a plan change storing nothing, saves it as the next version, and refuses a broken plan with the API field path, keeping the text', async () => {
    const p = await start();
    const asAdmin = await consoleBrowser(p, admin);
    const before = await stored(p);
    const editor = await asAdmin.get('/console/clinic/plans');
    expect(JSON.parse(textarea(editor.body))).toEqual(clinic.plans);

    const changed = JSON.stringify({ session: [{ key: 'light-meal', template: 'light-meal', after: 'PT3H' }] }, null, 2);
    const preview = await asAdmin.post('/console/clinic/plans', { document: changed, action: 'preview' }, '/console/clinic/plans');
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain(`Preview: would be version ${before.version + 1}`);
    expect(preview.body).toMatch(/<td data-label="Step">light-meal<\/td>/);
    expect(preview.body).toMatch(/<td data-label="SMS segments">\d+ \(/);
    expect(textarea(preview.body)).toBe(changed);
    expect(await stored(p)).toEqual(before);

    const saved = await asAdmin.post('/console/clinic/plans', { document: changed, action: 'save' }, '/console/clinic/plans');
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/console/clinic/plans?saved=${before.version + 1}`);
    expect((await stored(p)).version).toBe(before.version + 1);
    const after = await asAdmin.get(saved.headers.location as string);
    expect(after.body).toContain(`Saved as configuration version ${before.version + 1}.`);
    expect(after.body).toContain('<code>plans.session.0.after</code> changed');

    const broken = JSON.stringify({ session: [{ key: 'light-meal', template: 'light-meal', after: 'three hours' }] }, null, 2);
    const refused = await asAdmin.post('/console/clinic/plans', { document: broken, action: 'save' }, '/console/clinic/plans');
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('<code>plans.session.0.after</code>');
    expect(textarea(refused.body)).toBe(broken);
    const notJson = await asAdmin.post('/console/clinic/plans', { document: '{ "session": [', action: 'preview' }, '/console/clinic/plans');
    expect(notJson.statusCode).toBe(400);
    expect(textarea(notJson.body)).toBe('{ "session": [');
    expect((await stored(p)).version).toBe(before.version + 1);

    const versions = await asAdmin.get('/console/clinic/versions');
    expect(versions.statusCode).toBe(200);
    expect(versions.body).toMatch(new RegExp(`<td data-label="Version">${before.version + 1}</td>\\s*<td data-label="Who">ana.admin \\(console\\)</td>`));
  });

  it('refuses to save a plan over one another admin saved since the page was opened, keeping the text typed', async () => {
    const p = await start();
    const first = await consoleBrowser(p, admin);
    const second = await consoleBrowser(p, admin);
    const versionOn = (body: string) => /<input type="hidden" name="version" value="(\d+)">/.exec(body)?.[1] ?? '';
    const opened = versionOn((await second.get('/console/clinic/plans')).body);
    expect(opened).toBe(String((await stored(p)).version));

    const theirs = JSON.stringify({ session: [{ key: 'light-meal', template: 'light-meal', after: 'PT3H' }] });
    const firstSave = await first.post('/console/clinic/plans', { document: theirs, action: 'save', version: versionOn((await first.get('/console/clinic/plans')).body) }, '/console/clinic/plans');
    expect(firstSave.statusCode).toBe(303);
    const afterFirst = await stored(p);

    const mine = JSON.stringify({ session: [{ key: 'light-meal', template: 'light-meal', after: 'PT4H' }] }, null, 2);
    const refused = await second.post('/console/clinic/plans', { document: mine, action: 'save', version: opened }, '/console/clinic/plans');
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('Someone saved a newer version while you were editing');
    expect(textarea(refused.body)).toBe(mine);
    expect(await stored(p)).toEqual(afterFirst);
  });

  it('words a template the clinic\'s way: the preview renders it with its segments, the save is the next version', async () => {
    const p = await start();
    const asAdmin = await consoleBrowser(p, admin);
    const before = await stored(p);
    expect(JSON.parse(textarea((await asAdmin.get('/console/clinic/templates')).body))).toEqual({});
    const wording = JSON.stringify({ 'light-meal': { en: { sms: 'Eat something light now, {firstName}.' } } });
    const preview = await asAdmin.post('/console/clinic/templates', { document: wording, action: 'preview' }, '/console/clinic/templates');
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toMatch(/<td data-label="Template">light-meal<\/td>\s*<td data-label="Language">en<\/td>\s*<td data-label="SMS segments">1 \(GSM-7\)<\/td>\s*<td data-label="Text">Eat something light now, /);
    expect(await stored(p)).toEqual(before);
    const saved = await asAdmin.post('/console/clinic/templates', { document: wording, action: 'save' }, '/console/clinic/templates');
    expect(saved.statusCode).toBe(303);
    expect(await stored(p)).toMatchObject({ version: before.version + 1, document: { templates: JSON.parse(wording) } });
  });

  it('records a change made from the console in the access audit as the admin who made it, from their address', async () => {
    const p = await start();
    const server = p.server!;
    const remoteAddress = '203.0.113.9';
    const signInPage = await server.inject({ method: 'GET', url: '/console/sign-in', remoteAddress });
    const signedIn = await server.inject({ method: 'POST', url: '/console/sign-in', remoteAddress, headers: { ...formType, cookie: cookiePair(signInPage.headers['set-cookie'], 'aftercare_csrf') ?? '' },
      payload: new URLSearchParams({ _csrf: csrfField(signInPage.body), ...admin }).toString() });
    const session = cookiePair(signedIn.headers['set-cookie'], 'aftercare_staff') ?? '';
    const page = await server.inject({ method: 'GET', url: '/console/clinic/contacts', remoteAddress, headers: { cookie: session } });
    const cookie = [session, cookiePair(page.headers['set-cookie'], 'aftercare_csrf')].join('; ');
    const added = await server.inject({ method: 'POST', url: '/console/clinic/contacts', remoteAddress, headers: { ...formType, cookie },
      payload: new URLSearchParams({ _csrf: csrfField(page.body), name: 'Charge nurse', phone: '+15550003333' }).toString() });
    expect(added.statusCode).toBe(303);
    const entries = await p.db.query<{ actor: string; role: string; outcome: string; clinic_id: string | null; client_address: string | null }>(
      "SELECT actor, role, outcome, clinic_id, client_address FROM access_audit WHERE action = 'admin.change'");
    expect(entries).toEqual([{ actor: 'ana.admin', role: 'admin', outcome: 'allowed', clinic_id: 'clinic-a', client_address: remoteAddress }]);
  });

  it('shows a new API key once, which then works on the API until it is revoked', async () => {
    const p = await start();
    const asAdmin = await consoleBrowser(p, admin);
    const created = await asAdmin.post('/console/clinic/keys', { name: 'ehr-bridge', scope: 'clinic', expires: '' }, '/console/clinic/keys');
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.body).toContain('Copy it now: it will not be shown again.');
    const key = /id="new-key" readonly value="([^"]+)"/.exec(created.body)?.[1] ?? '';
    expect(key).toMatch(/^ak_/);
    const send = () => p.server!.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${key}` }, payload: sessionEvent() });
    expect((await send()).statusCode).toBe(202);

    const list = await asAdmin.get('/console/clinic/keys');
    expect(list.body).toContain('ehr-bridge');
    expect(list.body).toContain('by ana.admin (console)');
    expect(list.body).not.toContain(key);
    const keyId = /href="\/console\/clinic\/keys\/([^/"]+)\/revoke"/.exec(list.body)?.[1] ?? '';
    const confirm = await asAdmin.get(`/console/clinic/keys/${keyId}/revoke`);
    expect(confirm.body).toContain('Revoke the key ehr-bridge?');
    const revoked = await asAdmin.post(`/console/clinic/keys/${keyId}/revoke`, {}, `/console/clinic/keys/${keyId}/revoke`);
    expect(revoked.statusCode).toBe(303);
    expect((await send()).statusCode).toBe(401);
    expect((await asAdmin.get('/console/clinic/keys')).body).toMatch(/<td data-label="State">revoked /);
    expect(p.logLines.join('\n')).not.toContain(key);

    const past = await asAdmin.post('/console/clinic/keys', { name: 'old', scope: 'clinic', expires: '2001-01-01' }, '/console/clinic/keys');
    expect(past.statusCode).toBe(400);
    expect(past.body).toContain('<code>expiresAt</code>');
  });

  it('lets a clinic admin add a staff member and preview a plan on a 375 px screen, by label, with nothing wider than the screen', async () => {
    const p = await start();
    const base = await p.listen();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    const page = await (await browser.newContext({ viewport: { width: 375, height: 740 } })).newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${base}/console`);
    await page.getByLabel('Username').fill(admin.username);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Clinic settings' }).click();
    await page.getByRole('navigation', { name: 'Clinic settings' }).getByRole('link', { name: 'Staff' }).click();

    await page.getByLabel('Username (lowercase').fill('kim.new');
    await page.getByLabel('Name', { exact: true }).fill('Kim New');
    await page.getByLabel('Role', { exact: true }).selectOption('auditor');
    await page.getByLabel('Initial password').fill('a long enough password');
    await page.getByRole('button', { name: 'Add staff member' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Staff member added');
    expect(await page.locator('td[data-label="Name"]', { hasText: 'Kim New' }).count()).toBe(1);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);

    await page.getByRole('link', { name: 'Care plans' }).click();
    await page.getByLabel('Care plans (JSON)').fill(JSON.stringify({ session: [{ key: 'light-meal', template: 'light-meal', after: 'PT3H' }] }));
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect.poll(() => page.getByRole('heading', { name: /^Preview: would be version/ }).count()).toBe(1);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
  });

  const pages = ['/console/clinic/staff', '/console/clinic/contacts', '/console/clinic/plans', '/console/clinic/templates', '/console/clinic/versions', '/console/clinic/keys'];
  const forms: Array<[string, Record<string, string>]> = [
    ['/console/clinic/staff', { username: 'x.y', name: 'X', role: 'admin', password: 'long enough password' }],
    ['/console/clinic/staff/ana.admin/role', { role: 'nurse' }],
    ['/console/clinic/staff/ana.admin/remove', {}],
    ['/console/clinic/contacts', { name: 'X', phone: '+15550009999' }],
    ['/console/clinic/contacts/0/down', { name: 'On-call nurse' }],
    ['/console/clinic/contacts/0/remove', { name: 'On-call nurse' }],
    ['/console/clinic/plans', { document: '{}', action: 'save' }],
    ['/console/clinic/templates', { document: '{}', action: 'save' }],
    ['/console/clinic/keys', { name: 'sneaky' }],
    ['/console/clinic/keys/key-1/revoke', {}],
  ];

  it.each([['a nurse', nurse], ['an auditor', auditor]])('refuses %s every configuration page and form with a 403, changing nothing', async (_role, who) => {
    const p = await start();
    const before = await stored(p);
    const browser = await consoleBrowser(p, who);
    for (const url of pages) expect([url, (await browser.get(url)).statusCode]).toEqual([url, 403]);
    for (const [url, fields] of forms) {
      const res = await browser.post(url, fields);
      expect([url, res.statusCode]).toEqual([url, 403]);
      expect(res.body).toContain('Not allowed');
    }
    expect(await stored(p)).toEqual(before);
  });
});
