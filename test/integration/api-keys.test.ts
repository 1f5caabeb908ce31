import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clinicAKey, startPipeline, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

const operatorKey = 'operator-key-for-the-key-tests';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let p: TestPipeline;
beforeAll(async () => {
  p = await startPipeline({ role: 'api', env: { OPERATOR_API_KEY_SHA256: sha256(operatorKey) } });
});
afterAll(async () => {
  await p?.dispose();
});

const asOperator = { authorization: `Bearer ${operatorKey}` };
async function makeKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await p.server!.inject({ method: 'POST', url: '/v1/admin/clinics/clinic-a/keys', headers: asOperator, payload: body });
  expect(res.statusCode).toBe(201);
  return res.json();
}
/** A read of the event API with this key: 200 or the refusal's status. */
const escalations = async (key: string) => (await p.server!.inject({ method: 'GET', url: '/v1/escalations', headers: { authorization: `Bearer ${key}` } })).statusCode;

describe('API keys', () => {
  it('keeps the clinic file’s key working as the key named "seed"', async () => {
    expect(await escalations(clinicAKey)).toBe(200);
    const keys = (await p.server!.inject({ method: 'GET', url: '/v1/admin/clinics/clinic-a/keys', headers: asOperator })).json().keys;
    expect(keys).toEqual([expect.objectContaining({ name: 'seed', scope: 'clinic', revokedAt: null })]);
  });

  it('takes two live keys, then refuses the revoked one and keeps the other', async () => {
    const first = await makeKey({ name: 'ehr bridge' });
    const second = await makeKey({ name: 'ehr bridge (new)' });
    expect(first.key).not.toBe(second.key);
    expect([await escalations(first.key), await escalations(second.key)]).toEqual([200, 200]);

    const revoked = await p.server!.inject({ method: 'DELETE', url: `/v1/admin/clinics/clinic-a/keys/${first.id}`, headers: asOperator });
    expect(revoked.statusCode).toBe(200);
    const refused = await p.server!.inject({ method: 'GET', url: '/v1/escalations', headers: { authorization: `Bearer ${first.key}` } });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('unauthenticated');
    expect(await escalations(second.key)).toBe(200);
    expect(await escalations(clinicAKey)).toBe(200);
  });

  it('refuses a key once it has expired', async () => {
    const soon = await makeKey({ name: 'short-lived', expiresAt: new Date(Date.now() + 1_500).toISOString() });
    expect(await escalations(soon.key)).toBe(200);
    await waitFor('the key to expire', async () => (await escalations(soon.key)) === 401, 10_000);
  });

  it('refuses an expiry in the past, and a scope that does not exist', async () => {
    const past = await p.server!.inject({ method: 'POST', url: '/v1/admin/clinics/clinic-a/keys', headers: asOperator,
      payload: { name: 'old', expiresAt: '2020-01-01T00:00:00Z' } });
    expect(past.json().error).toMatchObject({ code: 'invalid-input', fields: [{ path: 'expiresAt', message: 'expected a time in the future' }] });
    const scope = await p.server!.inject({ method: 'POST', url: '/v1/admin/clinics/clinic-a/keys', headers: asOperator, payload: { name: 'x', scope: 'root' } });
    expect(scope.statusCode).toBe(400);
  });

  it('lists keys with their last use and never the key or its hash', async () => {
    const made = await makeKey({ name: 'listed' });
    expect(await escalations(made.key)).toBe(200);
    await waitFor('the use to be recorded', async () => {
      const keys = (await p.server!.inject({ method: 'GET', url: '/v1/admin/clinics/clinic-a/keys', headers: asOperator })).json().keys as Array<{ id: string; lastUsedAt: string | null }>;
      return keys.find((k) => k.id === made.id)?.lastUsedAt !== null;
    }, 5_000);
    const listing = (await p.server!.inject({ method: 'GET', url: '/v1/admin/clinics/clinic-a/keys', headers: asOperator })).body;
    expect(listing).not.toContain(made.key);
    expect(listing).not.toContain(sha256(made.key));
  });

  it('does not take an admin key for the event API', async () => {
    const adminKey = await makeKey({ name: 'clinic admin', scope: 'admin' });
    expect(await escalations(adminKey.key)).toBe(401);
  });
});
