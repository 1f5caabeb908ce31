import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from '@fastify/cookie';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../lib/passwords.ts';
import { startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { cookiePair, csrfField } from '../support/console-client.ts';

// Whoever holds the clinic file must not be able to sign in as its staff: the session key is a secret of its own.

const nurse = { username: 'jo.rivera', name: 'Jo Rivera', password: 'correct horse battery staple' };
const nurseHash = await hashPassword(nurse.password);
const clinic = testClinic({ staff: [{ username: nurse.username, name: nurse.name, passwordHash: nurseHash }] });

let pipelines: TestPipeline[] = [];
afterEach(async () => {
  for (const p of pipelines) await p.dispose();
  pipelines = [];
});

async function start(env: Record<string, string> = {}) {
  const p = await startPipeline({ role: 'api', clinics: [clinic], env });
  pipelines.push(p);
  return p;
}


async function signIn(p: TestPipeline) {
  const page = await p.server!.inject({ method: 'GET', url: '/console/sign-in' });
  const csrfCookie = cookiePair(page.headers['set-cookie'], 'aftercare_csrf') ?? '';
  const res = await p.server!.inject({
    method: 'POST', url: '/console/sign-in', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    payload: new URLSearchParams({ _csrf: csrfField(page.body), username: nurse.username, password: nurse.password }).toString(),
  });
  expect(res.statusCode).toBe(303);
  return cookiePair(res.headers['set-cookie'], 'aftercare_staff') ?? '';
}

const inbox = (p: TestPipeline, cookie: string) => p.server!.inject({ method: 'GET', url: '/console', headers: { cookie } });

/** A session cookie for the nurse, signed with the key anyone holding the clinic file could compute. */
function forgedFromClinicFile(): string {
  const key = createHmac('sha256', `${clinic.id}:${clinic.apiKeySha256}`).update('aftercare console session cookie v1').digest();
  const fingerprint = createHash('sha256').update(nurseHash).digest('base64url').slice(0, 16);
  const payload = { c: clinic.id, u: nurse.username, e: Math.floor(Date.now() / 1000) + 3600, p: fingerprint };
  return `aftercare_staff=${sign(Buffer.from(JSON.stringify(payload)).toString('base64url'), key)}`;
}

describe('console sessions', () => {
  it('refuses a session cookie signed with a key derived from the clinic file', async () => {
    const p = await start();
    const forged = await inbox(p, forgedFromClinicFile());
    expect(forged.statusCode).toBe(303);
    expect(forged.headers.location).toBe('/console/sign-in');
    expect(forged.body).not.toContain('Open escalations');
  });

  it('keeps a development session across a restart: the secret is made once under DATA_DIR', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aftercare-session-'));
    const first = await start({ DATA_DIR: dataDir });
    const session = await signIn(first);
    expect((await inbox(first, session)).statusCode).toBe(200);
    expect(existsSync(join(dataDir, 'session.key'))).toBe(true);
    await first.close();

    const again = await start({ DATA_DIR: dataDir });
    expect((await inbox(again, session)).statusCode).toBe(200);
    const elsewhere = await start();
    expect((await inbox(elsewhere, session)).statusCode).toBe(303);
  });

  it('accepts a session from any process with the same SESSION_SECRET, and no other', async () => {
    const secret = 'a-long-random-session-secret-of-at-least-32-characters';
    const session = await signIn(await start({ SESSION_SECRET: secret }));
    expect((await inbox(await start({ SESSION_SECRET: secret }), session)).statusCode).toBe(200);
    expect((await inbox(await start({ SESSION_SECRET: `${secret}-other` }), session)).statusCode).toBe(303);
  });
});
