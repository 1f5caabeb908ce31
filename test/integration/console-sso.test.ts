import { afterEach, describe, expect, it } from 'vitest';
import { consoleBrowser, cookiePair } from '../support/console-client.ts';
import { loginAtProvider, startOidcProvider, type OidcProviderRig } from '../support/oidc-provider.ts';
import { startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';

// Sign-in through the clinic's own identity provider: a real oidc-provider on a loopback port, the whole code flow with PKCE.

const publicBaseUrl = 'https://aftercare.example.org';
const redirectUri = `${publicBaseUrl}/console/sso/clinic-a/callback`;
const accounts = {
  'nurse-1': { email: 'jo@riverside.example', email_verified: true, name: 'Jo Rivera' },
  'admin-1': { email: 'ana@contractor.example', email_verified: true, name: 'Ana Admin', groups: ['aftercare-admins'] },
  'stranger-1': { email: 'sam@elsewhere.example', email_verified: true, name: 'Sam Stranger', groups: ['marketing'] },
};

let provider: OidcProviderRig | undefined;
let pipeline: TestPipeline | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  await provider?.close();
  pipeline = provider = undefined;
});

async function startRig() {
  provider = await startOidcProvider({ redirectUri, accounts });
  const clinic = testClinic({
    oidc: {
      issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, label: 'Riverside',
      roleFrom: { emailDomains: { 'riverside.example': 'nurse' }, claim: { name: 'groups', values: { 'aftercare-admins': 'admin' } } },
    },
  });
  pipeline = await startPipeline({ role: 'api', clinics: [clinic], env: { PUBLIC_BASE_URL: publicBaseUrl } });
  return pipeline;
}

/** Clicks the SSO button, signs in at the provider, and lands on the console's callback with the flow cookie. */
async function ssoSignIn(p: TestPipeline, login: string, tamper: (callback: URL) => URL = (u) => u) {
  const start = await p.server!.inject({ method: 'GET', url: '/console/sso/clinic-a' });
  expect(start.statusCode).toBe(303);
  const flow = cookiePair(start.headers['set-cookie'], 'aftercare_sso') ?? '';
  const authorization = new URL(String(start.headers.location));
  expect(authorization.origin).toBe(provider!.issuer);
  expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorization.searchParams.get('nonce')).toBeTruthy();
  const callback = tamper(await loginAtProvider(authorization.href, login, redirectUri));
  return p.server!.inject({ method: 'GET', url: `${callback.pathname}${callback.search}`, headers: { cookie: flow } });
}

describe('console sign-in by OpenID Connect', () => {
  it('offers the clinic SSO button, and signs in a verified email of a mapped domain as a nurse', async () => {
    const p = await startRig();
    const page = await p.server!.inject({ method: 'GET', url: '/console/sign-in' });
    expect(page.body).toContain('<a class="button" href="/console/sso/clinic-a">Sign in with Riverside SSO</a>');

    const done = await ssoSignIn(p, 'nurse-1');
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Signed in as Jo Rivera (nurse)');
    const session = cookiePair(done.headers['set-cookie'], 'aftercare_staff');
    expect(session).toBeTruthy();
    const asNurse = await consoleBrowser(p, { session: session! });
    const inbox = await asNurse.get('/console');
    expect(inbox.statusCode).toBe(200);
    expect(inbox.body).toContain('Jo Rivera (nurse), Riverside Clinic');
    expect((await asNurse.get('/console/clinic')).statusCode).toBe(403);
    expect(p.logLines.join('\n')).not.toContain('jo@riverside.example');
  });

  it('gives the role a group claim maps to, over the email domain', async () => {
    const p = await startRig();
    const done = await ssoSignIn(p, 'admin-1');
    expect(done.statusCode).toBe(200);
    const asAdmin = await consoleBrowser(p, { session: cookiePair(done.headers['set-cookie'], 'aftercare_staff')! });
    expect((await asAdmin.get('/console/clinic')).statusCode).toBe(200);
  });

  it('refuses a user whose claims map to no role, with a page saying so and no session', async () => {
    const p = await startRig();
    const refused = await ssoSignIn(p, 'stranger-1');
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Sign-in refused');
    expect(refused.body).toContain('Your account is not given a role at Riverside Clinic.');
    expect(cookiePair(refused.headers['set-cookie'], 'aftercare_staff')).toBeUndefined();
  });

  it('refuses a callback whose state is not the one this browser was sent with', async () => {
    const p = await startRig();
    const refused = await ssoSignIn(p, 'nurse-1', (u) => {
      const forged = new URL(u);
      forged.searchParams.set('state', 'a-state-this-browser-never-had');
      return forged;
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('gave an answer that did not check out');
    expect(cookiePair(refused.headers['set-cookie'], 'aftercare_staff')).toBeUndefined();
  });

  it('refuses a callback that arrives without the flow cookie (a sign-in started elsewhere)', async () => {
    const p = await startRig();
    const start = await p.server!.inject({ method: 'GET', url: '/console/sso/clinic-a' });
    const callback = await loginAtProvider(String(start.headers.location), 'nurse-1', redirectUri);
    const refused = await p.server!.inject({ method: 'GET', url: `${callback.pathname}${callback.search}` });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('This sign-in was not started here');
    expect(cookiePair(refused.headers['set-cookie'], 'aftercare_staff')).toBeUndefined();
  });
});
