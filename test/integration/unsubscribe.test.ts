import { afterEach, describe, expect, it } from 'vitest';
import { sessionEvent, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { providerAccount, startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// The List-Unsubscribe link every patient email carries works: one click (RFC 8058) or the page's button stops email.

const patient = {
  id: 'p-123', firstName: 'Samwise', phone: '+15551234567', email: 'samwise@example.org',
  timezone: 'America/Denver', locale: 'en', channel: 'email', smsConsent: true,
};

let rig: ProviderPipeline | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

async function startRig() {
  rig = await startProviderPipeline({
    clinics: [testClinic({ plans: { session: [{ key: 'light-meal', template: 'light-meal', after: 'PT0S', channel: 'email' }] } })],
  });
  return rig;
}

/** Sends one session's email and answers the path of its unsubscribe link. */
async function emailedLink(r: ProviderPipeline): Promise<string> {
  await r.p.accept(sessionEvent({ escort: undefined, patient }));
  const [mail] = await r.sink.waitFor(1, 10_000);
  const header = mail?.rawHeaders.get('list-unsubscribe') ?? '';
  const url = /<(https:[^>]+)>/.exec(header)?.[1] ?? '';
  expect(url.startsWith(`${providerAccount.publicBaseUrl}/unsubscribe/`)).toBe(true);
  expect(mail?.rawHeaders.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  return new URL(url).pathname;
}

const optedOut = async (p: TestPipeline) =>
  (await p.db.query<{ email_opted_out: boolean }>("SELECT email_opted_out FROM patients WHERE id = 'p-123'"))[0]?.email_opted_out;
const optOutEntries = (p: TestPipeline) =>
  p.db.query<{ detail: Record<string, unknown> }>("SELECT detail FROM timeline WHERE kind = 'patient.opted-out'");
const oneClick = (p: TestPipeline, url: string) => p.server!.inject({
  method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click',
});

describe('unsubscribing from email', () => {
  it('stops email after a one-click POST, and the next message goes by SMS instead', async () => {
    const r = await startRig();
    const path = await emailedLink(r);

    const page = await r.p.server!.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post"');
    expect(page.body).toContain('Riverside Clinic');
    expect(page.body).not.toContain('Samwise');
    expect(await optedOut(r.p)).toBe(false); // a link checker or preview fetching the page changes nothing

    const done = await oneClick(r.p, path);
    expect(done.statusCode).toBe(200);
    expect(await optedOut(r.p)).toBe(true);
    expect((await oneClick(r.p, path)).statusCode).toBe(200); // twice is still once
    expect(await optOutEntries(r.p)).toEqual([{ detail: expect.objectContaining({ channel: 'email' }) }]);

    await r.p.accept(sessionEvent({ escort: undefined, patient }));
    await waitFor('the next message sent by SMS', async () => r.twilio.messages.length === 1);
    expect(r.sink.messages).toHaveLength(1);
    expect(r.twilio.messages[0]?.to).toBe(patient.phone);
  });

  it('refuses a forged or altered link with 403 and changes nothing', async () => {
    const r = await startRig();
    const path = await emailedLink(r);
    const [payload = '', signature = ''] = path.slice('/unsubscribe/'.length).split('.');
    const otherPatient = Buffer.from(JSON.stringify(['clinic-a', 'p-999', 'email'])).toString('base64url');
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const forged of [`${payload}.${flipped}`, `${otherPatient}.${signature}`, `${payload}`, `${payload}.`, 'nothing-here']) {
      for (const method of ['GET', 'POST'] as const) {
        const res = method === 'GET' ? await r.p.server!.inject({ method, url: `/unsubscribe/${forged}` }) : await oneClick(r.p, `/unsubscribe/${forged}`);
        expect(res.statusCode, `${method} ${forged}`).toBe(403);
      }
    }
    expect(await optedOut(r.p)).toBe(false);
    expect(await optOutEntries(r.p)).toEqual([]);
  });
});
