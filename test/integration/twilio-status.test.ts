import { randomBytes, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { openDb } from '../../store/db.ts';
import type { Db } from '../../store/db.ts';
import type { ReportedDelivery } from '../../store/delivery-status.ts';
import { migrate } from '../../store/migrate.ts';
import { statusPath, twilioWebhooks } from '../../producers/http/twilio-webhooks.ts';
import { signTwilioRequest } from '../support/twilio-server.ts';
import { testDatabaseUrl } from '../support/pipeline.ts';

const authToken = 'test-auth-token-0123456789abcdef';
const publicBaseUrl = 'https://aftercare.example.org';
const publicUrl = publicBaseUrl + statusPath;
const newSid = () => `SM${randomBytes(16).toString('hex')}`;

describe('POST /webhooks/twilio/status', () => {
  let db: Db;
  let app: FastifyInstance;
  let undelivered: ReportedDelivery[];
  let sid: string;

  beforeEach(async () => {
    db = await openDb({
      url: testDatabaseUrl,
      schema: 't_' + randomUUID().replace(/-/g, '').slice(0, 20),
    });
    await migrate(db);
    sid = newSid();
    await db.query(
      `INSERT INTO plans (id, clinic_id, patient_id, kind, reference, event_id, anchor_at, zone)
       VALUES ('plan-1', 'clinic-a', 'p-123', 'session', 's-1', 'evt-1', now(), 'America/Denver')`,
    );
    await db.query(
      `INSERT INTO steps (id, plan_id, clinic_id, patient_id, key, template, recipient, channel, critical, grace, due_at, state)
       VALUES ('step-1', 'plan-1', 'clinic-a', 'p-123', 'checkin-24h', 'checkin-24h', 'patient', 'sms', false, 'PT2H', now(), 'sent')`,
    );
    await db.query(
      `INSERT INTO deliveries (id, step_id, channel, provider, provider_id, status) VALUES ('delivery-1', 'step-1', 'sms', 'twilio', $1, 'sent')`,
      [sid],
    );
    undelivered = [];
    app = Fastify();
    await app.register(twilioWebhooks, {
      db,
      authToken,
      publicBaseUrl,
      log: createLogger({ level: 'silent' }),
      onUndelivered: async (delivery) => {
        undelivered.push(delivery);
      },
    });
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
    await db.query(`DROP SCHEMA ${db.schema} CASCADE`);
    await db.close();
  });

  const report = (params: Record<string, string>, signature: string | null = signTwilioRequest(authToken, publicUrl, params)) =>
    app.inject({
      method: 'POST',
      url: statusPath,
      headers: {
        host: 'aftercare-internal:3000',
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature === null ? {} : { 'x-twilio-signature': signature }),
      },
      payload: new URLSearchParams(params).toString(),
    });
  const callback = (status: string, extra: Record<string, string> = {}) => ({
    AccountSid: `AC${'1'.repeat(32)}`,
    MessageSid: sid,
    SmsSid: sid,
    MessageStatus: status,
    SmsStatus: status,
    To: '+15551234567',
    From: '+15550001111',
    ApiVersion: '2010-04-01',
    ...extra,
  });
  const delivery = async () => (await db.query<{ status: string; error_code: string | null }>('SELECT status, error_code FROM deliveries'))[0];
  const timeline = () => db.query<{ kind: string; step_id: string; detail: Record<string, unknown> }>('SELECT kind, step_id, detail FROM timeline ORDER BY id');

  // Every request carries the proxy's upstream Host; only a signature over PUBLIC_BASE_URL passes.
  it('records delivered with one delivery.updated timeline entry', async () => {
    const res = await report(callback('delivered'));
    expect(res.statusCode).toBe(204);
    expect(await delivery()).toEqual({ status: 'delivered', error_code: null });
    expect(await timeline()).toEqual([
      { kind: 'delivery.updated', step_id: 'step-1', detail: { deliveryId: 'delivery-1', channel: 'sms', status: 'delivered', providerId: sid } },
    ]);
  });

  it.each([
    ['a forged signature', (p: Record<string, string>) => signTwilioRequest('some-other-token', publicUrl, p)],
    ['a missing signature', () => null],
    ['a signature for other params', (p: Record<string, string>) => signTwilioRequest(authToken, publicUrl, { ...p, MessageStatus: 'sent', SmsStatus: 'sent' })],
    ["a signature for the request's Host instead of PUBLIC_BASE_URL", (p: Record<string, string>) => signTwilioRequest(authToken, `http://aftercare-internal:3000${statusPath}`, p)],
  ])('refuses %s with 403 and changes nothing', async (_name, sign) => {
    const params = callback('failed', { ErrorCode: '30008' });
    const res = await report(params, sign(params));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
    expect(await delivery()).toEqual({ status: 'sent', error_code: null });
    expect(await timeline()).toEqual([]);
    expect(undelivered).toEqual([]);
  });

  it('refuses every callback when no auth token is configured', async () => {
    const bare = Fastify();
    await bare.register(twilioWebhooks, { db, authToken: undefined, publicBaseUrl, log: createLogger({ level: 'silent' }) });
    const params = callback('delivered');
    const res = await bare.inject({
      method: 'POST',
      url: statusPath,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(authToken, publicUrl, params) },
      payload: new URLSearchParams(params).toString(),
    });
    await bare.close();
    expect(res.statusCode).toBe(403);
    expect(await delivery()).toEqual({ status: 'sent', error_code: null });
  });

  it.each([
    [['delivered', 'sent'], 'delivered', 1],
    [['sent', 'delivered', 'sent'], 'delivered', 1],
    [['delivered', 'delivered'], 'delivered', 1],
    [['delivered', 'failed'], 'delivered', 1],
    [['queued', 'sending', 'sent'], 'sent', 0],
  ])('after %j the delivery is %s with %i timeline entries', async (statuses, final, entries) => {
    for (const status of statuses) expect((await report(callback(status))).statusCode).toBe(204);
    expect(await delivery()).toEqual({ status: final, error_code: null });
    expect(await timeline()).toHaveLength(entries);
    expect(undelivered).toEqual([]);
  });

  it('keeps one status when many reports race', async () => {
    const statuses = ['delivered', 'sent', 'queued', 'sending', 'delivered', 'sent', 'delivered'];
    const results = await Promise.all(statuses.map((s) => report(callback(s))));
    expect(results.map((r) => r.statusCode)).toEqual(statuses.map(() => 204));
    expect(await delivery()).toEqual({ status: 'delivered', error_code: null });
    expect(await timeline()).toHaveLength(1);
  });

  it('calls onUndelivered once for undelivered with error 30003 and records the code', async () => {
    const params = callback('undelivered', { ErrorCode: '30003' });
    expect((await report(params)).statusCode).toBe(204);
    expect((await report(params)).statusCode).toBe(204);
    expect((await report(callback('failed', { ErrorCode: '30005' }))).statusCode).toBe(204);
    expect(await delivery()).toEqual({ status: 'undelivered', error_code: '30003' });
    expect(undelivered).toEqual([
      { id: 'delivery-1', stepId: 'step-1', channel: 'sms', clinicId: 'clinic-a', patientId: 'p-123', template: 'checkin-24h' },
    ]);
    expect((await timeline()).map((t) => t.detail)).toEqual([
      { deliveryId: 'delivery-1', channel: 'sms', status: 'undelivered', providerId: sid, errorCode: '30003' },
    ]);
  });

  it('answers 204 to an unknown MessageSid and records nothing', async () => {
    const params = callback('delivered', { MessageSid: newSid() });
    const res = await report(params);
    expect(res.statusCode).toBe(204);
    expect(await delivery()).toEqual({ status: 'sent', error_code: null });
    expect(await timeline()).toEqual([]);
  });

  it('answers 204 to a status it does not track and changes nothing', async () => {
    expect((await report(callback('read'))).statusCode).toBe(204);
    expect(await delivery()).toEqual({ status: 'sent', error_code: null });
  });

  it('logs ids and statuses, never the phone numbers Twilio posts', async () => {
    const lines: string[] = [];
    const logged = Fastify();
    await logged.register(twilioWebhooks, { db, authToken, publicBaseUrl, log: createLogger({ level: 'info' }, { write: (line: string) => void lines.push(line) }) });
    const params = callback('delivered');
    const res = await logged.inject({
      method: 'POST',
      url: statusPath,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(authToken, publicUrl, params) },
      payload: new URLSearchParams(params).toString(),
    });
    await logged.close();
    expect(res.statusCode).toBe(204);
    expect(lines.join('')).toContain('delivery-1');
    expect(lines.join('')).not.toMatch(/555123|555000/);
  });

  it('answers 400 to a signed form that is not a status callback', async () => {
    const res = await report({ Foo: 'bar' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid-input' } });
    expect(await delivery()).toEqual({ status: 'sent', error_code: null });
  });
});
