import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../lib/passwords.ts';
import { clinicAKey, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { cookiePair, csrfField } from '../support/console-client.ts';

// Password guessing is limited per client address (as the socket, or a trusted proxy, says) and per username.

const nurse = { username: 'jo.rivera', name: 'Jo Rivera', password: 'correct horse battery staple' };
const nurseHash = await hashPassword(nurse.password);

let pipeline: TestPipeline | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  pipeline = undefined;
});

async function start(env: Record<string, string> = {}) {
  pipeline = await startPipeline({ role: 'api', env, clinics: [testClinic({ staff: [{ username: nurse.username, name: nurse.name, passwordHash: nurseHash }] })] });
  return pipeline;
}


/** One sign-in attempt as a browser makes it (page, then form), from `remoteAddress` with extra headers. */
async function attempt(p: TestPipeline, o: { username?: string; password?: string; remoteAddress?: string; headers?: Record<string, string> } = {}) {
  const from = { remoteAddress: o.remoteAddress ?? '198.51.100.20', headers: o.headers ?? {} };
  const page = await p.server!.inject({ method: 'GET', url: '/console/sign-in', ...from });
  const res = await p.server!.inject({
    method: 'POST', url: '/console/sign-in', remoteAddress: from.remoteAddress,
    headers: { ...from.headers, 'content-type': 'application/x-www-form-urlencoded', cookie: cookiePair(page.headers['set-cookie'], 'aftercare_csrf') ?? '' },
    payload: new URLSearchParams({ _csrf: csrfField(page.body), username: o.username ?? nurse.username, password: o.password ?? 'guess' }).toString(),
  });
  return res.statusCode;
}

describe('the console sign-in limit', () => {
  it('is not reset by a spoofed X-Forwarded-For or an Authorization header', async () => {
    const p = await start();
    const codes: number[] = [];
    for (let i = 0; i < 20; i++) {
      codes.push(await attempt(p, { username: `guess-${i}`, headers: { 'x-forwarded-for': `203.0.113.${i}`, authorization: `Bearer spoofed-${i}-0123456789` } }));
    }
    expect(new Set(codes)).toEqual(new Set([401]));
    expect(await attempt(p, { username: 'guess-last', headers: { 'x-forwarded-for': '203.0.113.99', authorization: 'Bearer spoofed-last-0123456789' } })).toBe(429);
    // The right password from the same address waits too; another address is not held back.
    expect(await attempt(p, { password: nurse.password })).toBe(429);
    expect(await attempt(p, { password: nurse.password, remoteAddress: '198.51.100.21' })).toBe(303);
  });

  it('counts the forwarded address when the request comes from a trusted proxy', async () => {
    const p = await start({ TRUSTED_PROXIES: '10.0.0.0/8' });
    const viaProxy = (client: string, username: string) =>
      attempt(p, { username, remoteAddress: '10.1.2.3', headers: { 'x-forwarded-for': client } });
    for (let i = 0; i < 20; i++) expect(await viaProxy('203.0.113.7', `guess-${i}`)).toBe(401);
    expect(await viaProxy('203.0.113.7', 'guess-last')).toBe(429);
    expect(await viaProxy('203.0.113.8', 'guess-other')).toBe(401);
    // An untrusted sender's X-Forwarded-For is ignored: its own address counts.
    expect(await attempt(p, { username: 'guess-direct', remoteAddress: '198.51.100.30', headers: { 'x-forwarded-for': '203.0.113.7' } })).toBe(401);
  });

  it('limits guesses at one username from many addresses', async () => {
    const p = await start();
    for (let i = 0; i < 20; i++) expect(await attempt(p, { remoteAddress: `198.51.100.${100 + i}` })).toBe(401);
    expect(await attempt(p, { remoteAddress: '198.51.100.200' })).toBe(429);
    expect(await attempt(p, { username: 'someone.else', remoteAddress: '198.51.100.201' })).toBe(401);
  });
});

describe('the API limit', () => {
  it('counts requests with made-up API keys against their address, not a bucket per header', async () => {
    const p = await start({ API_RATE_PER_MINUTE: '5' });
    const get = (authorization: string, remoteAddress = '198.51.100.40') =>
      p.server!.inject({ method: 'GET', url: '/v1/patients/nobody/timeline', remoteAddress, headers: { authorization } });
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await get(`Bearer made-up-key-${i}-0123456789`)).statusCode);
    expect(codes).toEqual([401, 401, 401, 401, 401, 429]);
    // The clinic's own key has its own count, from any address.
    expect((await get(`Bearer ${clinicAKey}`)).statusCode).toBe(404);
  });
});
