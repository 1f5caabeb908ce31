import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../lib/passwords.ts';
import { otherClinic, sessionEvent, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { signTwilioRequest, startTwilioServer, type TwilioServer } from '../support/twilio-server.ts';
import { waitFor } from '../support/wait-for.ts';
import { cookiePair, csrfField } from '../support/console-client.ts';

// Staff live in a browser: the console is driven here as a nurse would, in headless Chromium.

const accountSid = `AC${'0123456789abcdef'.repeat(2)}`;
const authToken = 'console-test-auth-token-0123456789';
const publicBaseUrl = 'https://aftercare.example.org';
const patientPhone = '+15551234567';
const nurse = { username: 'jo.rivera', name: 'Jo Rivera', password: 'correct horse battery staple' };
const harbourNurse = { username: 'kim.lee', name: 'Kim Lee', password: 'another long passphrase' };
const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const phone = { width: 375, height: 740 };
const [nurseHash, harbourHash] = await Promise.all([hashPassword(nurse.password), hashPassword(harbourNurse.password)]);

let twilio: TwilioServer | undefined;
let pipeline: TestPipeline | undefined;
let browser: Browser | undefined;
afterEach(async () => {
  // The server closes first, with the page's event stream still open: closing must not wait for the browser.
  await pipeline?.dispose();
  await browser?.close();
  await twilio?.close();
  pipeline = twilio = browser = undefined;
});

async function startRig() {
  twilio = await startTwilioServer({ accountSid, authToken });
  pipeline = await startPipeline({
    clinics: [
      testClinic({
        staff: [{ username: nurse.username, name: nurse.name, passwordHash: nurseHash }],
        escalation: { contacts: [{ name: 'On-call nurse', phone: '+15550002222', email: 'oncall@example.org' }], renotifyAfter: 'PT10M' },
        plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT0S', expectsReply: { within: 'PT1H', remindOnce: true } }] },
      }),
      otherClinic({ staff: [{ username: harbourNurse.username, name: harbourNurse.name, passwordHash: harbourHash }] }),
    ],
    env: { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: '+15550009999', TWILIO_API_URL: twilio.url, PUBLIC_BASE_URL: publicBaseUrl },
  });
  const p = pipeline;
  await p.accept(sessionEvent({ escort: undefined }));
  await waitFor('the check-in recorded as sent', async () =>
    (await p.db.query("SELECT 1 FROM steps WHERE key = 'checkin-24h' AND state = 'sent'")).length === 1);
  return p;
}

/** The patient's SMS answer, signed as Twilio signs it (as in replies.test.ts). */
async function patientReplies(p: TestPipeline, body: string) {
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: accountSid, From: patientPhone, To: '+15550009999', Body: body };
  const res = await p.server!.inject({
    method: 'POST', url: '/webhooks/twilio/inbound',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(authToken, `${publicBaseUrl}/webhooks/twilio/inbound`, params) },
    payload: new URLSearchParams(params).toString(),
  });
  expect(res.statusCode).toBe(200);
}

async function openBrowser(): Promise<Browser> {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return browser;
}

async function signIn(page: Page, base: string, who: { username: string; password: string }) {
  await page.goto(`${base}/console`);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

// Evaluated in the page (as text: this project's TypeScript has no DOM types).
const fitsWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');

// Form posts through inject(): the CSRF cookie and token as a browser would hold them.
const formType = { 'content-type': 'application/x-www-form-urlencoded' };

async function injectSignIn(p: TestPipeline, username: string, password: string) {
  const page = await p.server!.inject({ method: 'GET', url: '/console/sign-in' });
  const csrfCookie = cookiePair(page.headers['set-cookie'], 'aftercare_csrf') ?? '';
  const payload = new URLSearchParams({ _csrf: csrfField(page.body), username, password }).toString();
  const res = await p.server!.inject({ method: 'POST', url: '/console/sign-in', headers: { ...formType, cookie: csrfCookie }, payload });
  return { res, session: cookiePair(res.headers['set-cookie'], 'aftercare_staff'), csrfCookie, signedOutToken: csrfField(page.body) };
}

const escalations = (p: TestPipeline) =>
  p.db.query<{ id: string; kind: string; status: string; acknowledged_by: string | null }>('SELECT id, kind, status, acknowledged_by FROM escalations');

describe('the staff console', () => {
  it('shows a low check-in score live, and acknowledging it records the nurse on the patient timeline', async () => {
    const p = await startRig();
    const base = await p.listen();
    const context = await (await openBrowser()).newContext({ viewport: phone });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);

    await page.goto(`${base}/console`);
    await page.getByLabel('Username').fill(nurse.username);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong username or password.');

    await signIn(page, base, nurse);
    await page.getByText('No open escalations.').waitFor();
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'aftercare_staff')).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/console' });
    await page.evaluate("document.body.dataset.samePage = 'yes'");

    await patientReplies(p, '1');
    const card = page.locator('[data-escalation]');
    await card.getByText('Samwise rated the check-in 1 of 5.').waitFor({ timeout: 15_000 });
    await card.getByText(/Notified: On-call nurse by SMS/).waitFor({ timeout: 15_000 });
    expect(await page.evaluate('document.body.dataset.samePage')).toBe('yes'); // arrived without a reload
    await expect.poll(() => card.locator('.kind').textContent()).toBe('Needs attention');
    await expect.poll(() => card.locator('blockquote').textContent()).toBe('1');
    expect(await fitsWidth(page)).toBe(true);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}console-inbox.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: `${artifacts}console-inbox-wide.png`, fullPage: true });
    await page.setViewportSize(phone);

    await card.getByRole('button', { name: /Acknowledge/ }).click();
    await page.getByText('No open escalations.').waitFor();
    await page.getByText(`Acknowledged by ${nurse.name}`).waitFor();
    expect(await escalations(p)).toEqual([expect.objectContaining({ kind: 'attention', status: 'acknowledged', acknowledged_by: nurse.name })]);

    await page.getByRole('link', { name: 'Open patient p-123' }).click();
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    const acknowledged = page.locator('ol.timeline li', { hasText: 'Escalation acknowledged' });
    await expect.poll(() => acknowledged.textContent()).toContain(`by ${nurse.name} via console`);
    await expect.poll(() => page.locator('ol.timeline li', { hasText: 'Patient replied' }).locator('blockquote').textContent()).toBe('1');
    expect(await fitsWidth(page)).toBe(true);
    await page.screenshot({ path: `${artifacts}console-patient.png`, fullPage: true });
  });

  it('keeps another clinic\'s patient out of reach', async () => {
    const p = await startRig();
    const base = await p.listen();
    const page = await (await openBrowser()).newPage({ viewport: phone });
    page.setDefaultTimeout(15_000);
    await signIn(page, base, harbourNurse);
    await page.getByText('No open escalations.').waitFor();
    const foreign = await page.goto(`${base}/console/patients/p-123`);
    expect(foreign?.status()).toBe(404);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    expect(await page.content()).not.toContain('Samwise');

    // The plan preview resolves a pasted event for the signed-in clinic, and explains bad input.
    await page.getByRole('link', { name: 'Preview a plan' }).click();
    await page.getByRole('button', { name: 'Show schedule' }).click();
    await page.getByRole('cell', { name: 'checkin-24h' }).waitFor();
    expect(await fitsWidth(page)).toBe(true);
    await page.screenshot({ path: `${artifacts}console-preview.png`, fullPage: true });
    await page.getByLabel('Event JSON').fill('{"type": "session.completed"');
    await page.getByRole('button', { name: 'Show schedule' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('That is not valid JSON');
  });

  it('refuses a wrong password and an unknown user alike, and a form post without its CSRF token', async () => {
    const p = await startRig();
    const wrong = await injectSignIn(p, nurse.username, 'guess');
    const unknown = await injectSignIn(p, 'nobody', 'guess');
    for (const refused of [wrong, unknown]) {
      expect(refused.res.statusCode).toBe(401);
      expect(refused.res.body).toContain('Wrong username or password.');
      expect(refused.session).toBeUndefined();
    }

    const { res, session } = await injectSignIn(p, nurse.username, nurse.password);
    expect(res.statusCode).toBe(303);
    expect(res.headers['set-cookie']).toEqual(expect.arrayContaining([expect.stringMatching(/^aftercare_staff=.*; Max-Age=43200; Path=\/console; HttpOnly; Secure; SameSite=Strict$/)]));
    await patientReplies(p, '1');
    const raised = await waitFor('an attention escalation', async () => (await escalations(p))[0]);

    const forged = await p.server!.inject({ method: 'POST', url: `/console/escalations/${raised.id}/ack`, headers: { ...formType, cookie: session ?? '' }, payload: 'note=no-token' });
    expect(forged.statusCode).toBe(403);
    expect(forged.headers['content-security-policy']).toContain("default-src 'none'");
    // A token from the sign-in page is bound to "signed out" and cannot act for the nurse either.
    const { csrfCookie, signedOutToken } = await injectSignIn(p, nurse.username, nurse.password);
    const replayed = await p.server!.inject({ method: 'POST', url: `/console/escalations/${raised.id}/ack`,
      headers: { ...formType, cookie: `${session}; ${csrfCookie}` }, payload: `_csrf=${encodeURIComponent(signedOutToken)}` });
    expect(replayed.statusCode).toBe(403);
    expect(await escalations(p)).toEqual([expect.objectContaining({ status: 'open', acknowledged_by: null })]);

    const inbox = await p.server!.inject({ method: 'GET', url: '/console', headers: { cookie: session ?? '' } });
    const signOut = await p.server!.inject({ method: 'POST', url: '/console/sign-out',
      headers: { ...formType, cookie: `${session}; ${cookiePair(inbox.headers['set-cookie'], 'aftercare_csrf')}` }, payload: `_csrf=${encodeURIComponent(csrfField(inbox.body))}` });
    expect(signOut.statusCode).toBe(303);
    expect(cookiePair(signOut.headers['set-cookie'], 'aftercare_staff')).toBe('aftercare_staff=');
  });
});
