import { afterEach, describe, expect, it } from 'vitest';
import type { ClinicInput } from '../../config/clinics.ts';
import { hashPassword } from '../../lib/passwords.ts';
import { clinicAKey, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';

// GET /v1/oncall and the console's On call page: who is on call now and next, overrides included.

const nurse = { username: 'jo.rivera', name: 'Jo Rivera', password: 'correct horse battery staple' };
const onCall: ClinicInput['onCall'] = {
  rotations: {
    primary: { handoff: 'daily', at: '08:00', startsOn: '2026-12-01', people: ['Ana Diaz', { name: 'Ben Okafor', phone: '+15550007777' }] },
    backup: { handoff: 'weekly', at: '09:00', weekday: 'monday', startsOn: '2026-11-30', people: [{ name: 'Dana Cruz', phone: '+15550005555', locale: 'es' }] },
  },
  // "Dana covers Friday night" (Denver time).
  overrides: [{ rotation: 'primary', who: 'Dana Cruz', from: '2026-12-04T18:00', to: '2026-12-05T08:00' }],
};

let p: TestPipeline | undefined;
afterEach(async () => {
  await p?.dispose();
  p = undefined;
});

async function start() {
  p = await startPipeline({ role: 'api', clinics: [testClinic({
    escalation: { contacts: [{ name: 'Ana Diaz', phone: '+15550002222', email: 'ana@example.org' }] }, onCall,
    staff: [{ username: nurse.username, name: nurse.name, passwordHash: await hashPassword(nurse.password) }],
  })] });
  return p;
}

const get = (url: string, key = clinicAKey) => p!.server!.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

describe('GET /v1/oncall', () => {
  it('names who is on call now and next per rotation, with the hand-off in UTC and the clinic zone', async () => {
    await start();
    // Thursday 2026-12-03 12:00 Denver: day 2 of the primary rotation, Ana's.
    const res = await get('/v1/oncall?at=2026-12-03T19:00:00Z');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      clinicId: 'clinic-a', timezone: 'America/Denver', at: '2026-12-03T19:00:00.000Z',
      rotations: [
        { rotation: 'primary', handoff: 'daily', now: 'Ana Diaz', next: 'Ben Okafor', handoffAt: '2026-12-04T15:00:00.000Z', handoffAtLocal: '2026-12-04T08:00:00-07:00', override: false },
        { rotation: 'backup', handoff: 'weekly', now: 'Dana Cruz', next: 'Dana Cruz', handoffAt: '2026-12-07T16:00:00.000Z', handoffAtLocal: '2026-12-07T09:00:00-07:00', override: false },
      ],
    });
    expect(res.body).not.toContain('+1555');
  });

  it('lets an override win while it lasts', async () => {
    await start();
    const night = (await get('/v1/oncall?at=2026-12-05T04:00:00Z')).json();
    expect(night.rotations[0]).toMatchObject({ now: 'Dana Cruz', next: 'Ana Diaz', handoffAtLocal: '2026-12-05T08:00:00-07:00', override: true });
  });

  it('refuses a request without the clinic key, and a time it cannot read', async () => {
    await start();
    expect((await p!.server!.inject({ method: 'GET', url: '/v1/oncall' })).statusCode).toBe(401);
    const bad = await get('/v1/oncall?at=friday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid-input', fields: [{ path: 'at' }] } });
  });
});

describe('the console On call page', () => {
  it('shows the rotations to signed-in staff, in the clinic time', async () => {
    await start();
    const page = await p!.server!.inject({ method: 'GET', url: '/console/sign-in' });
    const cookie = (res: typeof page, name: string) => [res.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith(`${name}=`)) ?? '';
    const signedIn = await p!.server!.inject({
      method: 'POST', url: '/console/sign-in', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie(page, 'aftercare_csrf') },
      payload: new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '', username: nurse.username, password: nurse.password }).toString(),
    });
    expect(signedIn.statusCode).toBe(303);
    const res = await p!.server!.inject({ method: 'GET', url: '/console/on-call', headers: { cookie: cookie(signedIn, 'aftercare_staff') } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h1>On call</h1>');
    expect(res.body).toMatch(/primary \(daily\)<\/td>\s*<td data-label="On call now">(Ana Diaz|Ben Okafor|Dana Cruz)/);
    expect(res.body).toContain('aria-current="page">On call</a>');
    const signedOut = await p!.server!.inject({ method: 'GET', url: '/console/on-call' });
    expect(signedOut.statusCode).toBe(303);
  });
});
