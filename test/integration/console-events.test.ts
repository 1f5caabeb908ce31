import { randomBytes } from 'node:crypto';
import { chromium, type Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../lib/passwords.ts';
import { sessionEvent, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { signTwilioRequest, startTwilioServer, type TwilioServer } from '../support/twilio-server.ts';
import { waitFor } from '../support/wait-for.ts';

// The inbox's event stream carries patients' own words: whatever they type must stay inside one event.

const accountSid = `AC${'0123456789abcdef'.repeat(2)}`;
const authToken = 'console-events-auth-token-0123456789';
const publicBaseUrl = 'http://aftercare.example.org';
const nurse = { username: 'jo.rivera', name: 'Jo Rivera', password: 'correct horse battery staple' };
const nurseHash = await hashPassword(nurse.password);

let twilio: TwilioServer | undefined;
let pipeline: TestPipeline | undefined;
let browser: Browser | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  await browser?.close();
  await twilio?.close();
  pipeline = twilio = browser = undefined;
});

async function patientReplies(p: TestPipeline, body: string) {
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: accountSid, From: '+15551234567', To: '+15550009999', Body: body };
  const res = await p.server!.inject({
    method: 'POST', url: '/webhooks/twilio/inbound',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(authToken, `${publicBaseUrl}/webhooks/twilio/inbound`, params) },
    payload: new URLSearchParams(params).toString(),
  });
  expect(res.statusCode).toBe(200);
}

describe('the console inbox event stream', () => {
  it.each([
    ['a bare carriage return', '\r'],
    ['carriage return and line feed', '\r\n'],
  ])('keeps a reply with %s and a forged event line inside one inbox event', async (_case, eol) => {
    twilio = await startTwilioServer({ accountSid, authToken });
    const p = pipeline = await startPipeline({
      clinics: [testClinic({
        staff: [{ username: nurse.username, name: nurse.name, passwordHash: nurseHash }],
        plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT0S', expectsReply: { within: 'PT1H' } }] },
      })],
      env: { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: '+15550009999', TWILIO_API_URL: twilio.url, PUBLIC_BASE_URL: publicBaseUrl },
    });
    await p.accept(sessionEvent({ escort: undefined }));
    await waitFor('the check-in recorded as sent', async () =>
      (await p.db.query("SELECT 1 FROM steps WHERE key = 'checkin-24h' AND state = 'sent'")).length === 1);
    const base = await p.listen();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${base}/console`);
    await page.getByLabel('Username').fill(nurse.username);
    await page.getByLabel('Password').fill(nurse.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('No open escalations.').waitFor();

    // A second EventSource of the browser's own, recording every event it is given.
    await page.evaluate(`(() => {
      window.seen = [];
      const source = new EventSource('/console/events');
      for (const name of ['inbox', 'signed-out', 'message']) source.addEventListener(name, (e) => window.seen.push({ name, data: e.data }));
    })()`);
    await patientReplies(p, `feeling odd${eol}event: signed-out${eol}data: forged${eol}${eol}still here`);

    type Seen = Array<{ name: string; data: string }>;
    const seen = await waitFor('the reply in an inbox event', async () => {
      const all = (await page.evaluate('window.seen')) as Seen;
      return all.some((e) => e.data.includes('still here')) ? all : undefined;
    });
    expect(seen.filter((e) => e.name !== 'inbox')).toEqual([]);
    expect(seen.filter((e) => e.data.includes('feeling odd'))).toEqual([
      { name: 'inbox', data: expect.stringMatching(/feeling odd\nevent: signed-out\ndata: forged\n\nstill here/) },
    ]);
    expect(new URL(page.url()).pathname).toBe('/console');
  });
});
