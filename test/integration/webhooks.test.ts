import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { emitWebhook } from '../../lib/emit-webhook.ts';
import { sessionEvent, startPipeline, testClinic, otherClinic, type TestPipeline } from '../support/pipeline.ts';
import { providerAccount, startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { freePort, startPrivateRedis, type PrivateRedis } from '../support/redis-server.ts';
import { signTwilioRequest } from '../support/twilio-server.ts';
import { waitFor } from '../support/wait-for.ts';

// Integrators hear about escalations, replies, consent and messages from signed webhooks they verify themselves.

const operatorKey = 'operator-key-for-webhook-tests';
const operatorSha256 = createHash('sha256').update(operatorKey).digest('hex');
// The receivers of these tests listen on loopback, which a real deployment refuses by default.
const operatorEnv = { OPERATOR_API_KEY_SHA256: operatorSha256, WEBHOOK_PRIVATE_NETWORKS: 'allow' };
const patientPhone = '+15551234567';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  /** What the library's verifier made of it, or why it refused. */
  verified: { ok: true; payload: { type: string; timestamp: string; data: Record<string, unknown> } } | { ok: false; error: string };
}

/** A receiver on 127.0.0.1 that verifies every request with the endpoint's secret and answers `answers` in turn, then 204. */
interface Receiver {
  url: string;
  port: number;
  received: Received[];
  answers: number[];
  secret?: string;
  listen(): Promise<void>;
  close(): Promise<void>;
}

async function receiver(port?: number): Promise<Receiver> {
  const chosen = port ?? (await freePort());
  let server: Server | undefined;
  const r: Receiver = {
    url: `http://127.0.0.1:${chosen}/hooks`,
    port: chosen,
    received: [],
    answers: [],
    async listen() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let verified: Received['verified'];
          try {
            const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
            verified = { ok: true, payload: new Webhook(r.secret ?? '').verify(body, headers) as never };
          } catch (err) {
            verified = { ok: false, error: (err as Error).message };
          }
          const status = r.answers.shift() ?? 204;
          r.received.push({ headers: req.headers, body, status, verified });
          res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 300 ? 'receiver is having a bad day' : '');
        });
      });
      await new Promise<void>((resolve) => server!.listen(chosen, '127.0.0.1', resolve));
    },
    async close() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  return r;
}

let pipeline: TestPipeline | undefined;
let rig: ProviderPipeline | undefined;
let privateRedis: PrivateRedis | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await rig?.dispose();
  await pipeline?.dispose();
  await privateRedis?.stop();
  for (const r of receivers.splice(0)) await r.close();
  rig = undefined;
  pipeline = undefined;
  privateRedis = undefined;
});

async function startReceiver(options: { port?: number; listen?: boolean } = {}) {
  const r = await receiver(options.port);
  receivers.push(r);
  if (options.listen !== false) await r.listen();
  return r;
}

async function admin(p: TestPipeline, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: unknown, key: string | null = operatorKey) {
  const res = await p.server!.inject({
    method, url: `/v1/admin/clinics/clinic-a${path}`,
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: res.body ? (res.json() as Record<string, unknown>) : {} };
}

async function subscribe(p: TestPipeline, r: Receiver, eventTypes: string[], extra: Record<string, unknown> = {}) {
  const created = await admin(p, 'POST', '/webhooks', { url: r.url, eventTypes, ...extra });
  expect(created.status).toBe(201);
  r.secret = String(created.body.secret);
  return String(created.body.id);
}

const delivery = async (p: TestPipeline, id: string) => (await admin(p, 'GET', `/webhook-deliveries/${id}`)).body as { status?: string };
const emitEscalation = (p: TestPipeline) => emitWebhook({ db: p.db, queues: p.queues }, { clinicId: 'clinic-a', type: 'escalation.raised',
  data: { patientId: 'p-123', escalationId: 'esc-test', kind: 'urgent', reason: 'replied with crisis language (test)', stepId: null } });

describe('webhook endpoints', () => {
  it('answers the whsec_ secret once, keeps it out of listings, and refuses a plain-http URL off loopback', async () => {
    pipeline = await startPipeline({ env: operatorEnv });
    const p = pipeline;
    const created = await admin(p, 'POST', '/webhooks', { url: 'https://hooks.example.org/aftercare', eventTypes: ['escalation.raised'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: 'https://hooks.example.org/aftercare', eventTypes: ['escalation.raised'], includeReplyBody: false, enabled: true });
    expect(Buffer.from(String(created.body.secret).replace(/^whsec_/, ''), 'base64').length).toBeGreaterThanOrEqual(24);
    const listed = await admin(p, 'GET', '/webhooks');
    expect(JSON.stringify(listed.body)).not.toContain(String(created.body.secret));
    const [row] = await p.db.query<{ secret_sealed: string }>('SELECT secret_sealed FROM webhook_endpoints');
    expect(row?.secret_sealed).not.toContain(String(created.body.secret).slice(6));

    const plain = await admin(p, 'POST', '/webhooks', { url: 'http://hooks.example.org/x', eventTypes: ['escalation.raised'] });
    expect(plain.status).toBe(400);
    expect(plain.body).toMatchObject({ error: { code: 'invalid-input', fields: [expect.objectContaining({ path: 'url' })] } });
    const unknownType = await admin(p, 'POST', '/webhooks', { url: 'https://hooks.example.org/x', eventTypes: ['patient.created'] });
    expect(unknownType.status).toBe(400);
    expect((await admin(p, 'GET', '/webhooks', undefined, null)).status).toBe(401);
    expect((await admin(p, 'GET', '/webhooks', undefined, 'not-the-operator-key')).status).toBe(401);

    const id = String(created.body.id);
    const updated = await admin(p, 'PATCH', `/webhooks/${id}`, { enabled: false, eventTypes: ['reply.received', 'consent.changed'] });
    expect(updated.body).toMatchObject({ enabled: false, eventTypes: ['reply.received', 'consent.changed'] });
    expect((await admin(p, 'DELETE', `/webhooks/${id}`)).status).toBe(204);
    expect((await admin(p, 'DELETE', `/webhooks/${id}`)).status).toBe(404);
  });

  it('refuses a receiver on loopback or a private network unless WEBHOOK_PRIVATE_NETWORKS=allow', async () => {
    pipeline = await startPipeline({ env: { OPERATOR_API_KEY_SHA256: operatorSha256 } });
    const p = pipeline;
    for (const url of ['http://127.0.0.1:9/hook', 'http://localhost:9/hook', 'https://10.0.0.5/hook', 'https://169.254.169.254/latest', 'https://[::1]/hook']) {
      const refused = await admin(p, 'POST', '/webhooks', { url, eventTypes: ['escalation.raised'] });
      expect(refused.status, url).toBe(400);
      expect(refused.body).toMatchObject({ error: { fields: [{ path: 'url', message: expect.stringContaining('WEBHOOK_PRIVATE_NETWORKS=allow') }] } });
    }
    const created = await admin(p, 'POST', '/webhooks', { url: 'https://hooks.example.org/aftercare', eventTypes: ['escalation.raised'] });
    expect(created.status).toBe(201);
    const moved = await admin(p, 'PATCH', `/webhooks/${String(created.body.id)}`, { url: 'https://192.168.0.10/hook' });
    expect(moved.status).toBe(400);
    expect((await admin(p, 'GET', '/webhooks')).body).toMatchObject({ endpoints: [{ url: 'https://hooks.example.org/aftercare' }] });
  });
});

describe('webhooks from the pipeline', () => {
  it('sends a crisis reply as escalation.raised and reply.received, signed, with ids and no personal data; the body only where asked', async () => {
    rig = await startProviderPipeline({ clinics: [testClinic(), otherClinic()], env: { ...operatorEnv, WEBHOOK_BACKOFF: 'PT0.1S' } });
    const { p } = rig;
    const plain = await startReceiver();
    const withBody = await startReceiver();
    await subscribe(p, plain, ['escalation.raised', 'reply.received']);
    await subscribe(p, withBody, ['reply.received'], { includeReplyBody: true });
    const event = sessionEvent();
    await p.accept(event);
    await waitFor('the patient on record', async () => (await p.db.query('SELECT 1 FROM patients')).length === 1);

    const text = 'honestly i dont want to be alive anymore';
    const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: providerAccount.accountSid, From: patientPhone, To: providerAccount.from, Body: text };
    const url = `${providerAccount.publicBaseUrl}/webhooks/twilio/inbound`;
    const res = await p.server!.inject({ method: 'POST', url: '/webhooks/twilio/inbound', payload: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(providerAccount.authToken, url, params) } });
    expect(res.statusCode).toBe(200);

    await waitFor('both events at the plain endpoint', () => plain.received.length >= 2);
    await waitFor('the reply at the endpoint that asked for its body', () => withBody.received.length >= 1);
    expect(plain.received.every((r) => r.verified.ok)).toBe(true);
    const byType = new Map(plain.received.map((r) => [r.verified.ok ? r.verified.payload.type : '', r]));
    const raised = byType.get('escalation.raised');
    const [escalation] = await p.db.query<{ id: string }>('SELECT id FROM escalations');
    expect(raised?.verified).toMatchObject({ ok: true, payload: { type: 'escalation.raised', timestamp: expect.any(String),
      data: { clinicId: 'clinic-a', patientId: 'p-123', escalationId: escalation?.id, kind: 'urgent', reason: expect.stringContaining('crisis') } } });
    expect(raised?.headers['webhook-id']).toMatch(/^msg_/);
    const reply = byType.get('reply.received');
    expect(reply?.verified).toMatchObject({ ok: true, payload: { data: { patientId: 'p-123', replyId: params.MessageSid, classification: 'crisis' } } });
    for (const r of plain.received) {
      for (const personal of [patientPhone, event.patient.email, event.patient.firstName, 'Alexandrina', event.escort.phone, text, 'body']) expect(r.body).not.toContain(personal);
    }
    expect(withBody.received[0]?.verified).toMatchObject({ ok: true, payload: { type: 'reply.received', data: { body: text } } });
    // The logs name deliveries and endpoints, never the reply, the secret or where the receiver is.
    const logs = p.logLines.join('\n');
    for (const secretOrPersonal of [text, patientPhone, String(plain.secret), String(withBody.secret), plain.url]) expect(logs).not.toContain(secretOrPersonal);
    expect(logs).toContain('webhook delivered');
  });

  it('reports delivered and undelivered messages from Twilio, and a STOP as consent.changed', async () => {
    rig = await startProviderPipeline({ clinics: [testClinic(), otherClinic()], env: { ...operatorEnv, WEBHOOK_BACKOFF: 'PT0.1S' } });
    const { p, twilio } = rig;
    const r = await startReceiver();
    await subscribe(p, r, ['message.delivered', 'message.failed', 'consent.changed']);
    await p.accept(sessionEvent());
    const [first, second] = await waitFor('two SMS sent', () => (twilio.messages.length >= 2 ? twilio.messages : undefined));
    const signedPost = (path: string, params: Record<string, string>) => p.server!.inject({ method: 'POST', url: path, payload: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(providerAccount.authToken, `${providerAccount.publicBaseUrl}${path}`, params) } });
    const status = (sid: string, value: string, extra: Record<string, string> = {}) =>
      signedPost('/webhooks/twilio/status', { AccountSid: providerAccount.accountSid, MessageSid: sid, MessageStatus: value, ...extra });
    await waitFor('both sends recorded', async () => (await p.db.query("SELECT 1 FROM deliveries WHERE status = 'sent'")).length >= 2);
    expect((await status(first!.sid, 'delivered')).statusCode).toBe(204);
    expect((await status(first!.sid, 'delivered')).statusCode).toBe(204);
    expect((await status(second!.sid, 'undelivered', { ErrorCode: '30003' })).statusCode).toBe(204);
    expect((await signedPost('/webhooks/twilio/inbound', { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: providerAccount.accountSid,
      From: patientPhone, To: providerAccount.from, Body: 'STOP' })).statusCode).toBe(200);

    await waitFor('three events', () => r.received.length >= 3);
    const payloads = r.received.map((x) => (x.verified.ok ? x.verified.payload : undefined));
    expect(payloads).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'message.delivered', data: expect.objectContaining({ channel: 'sms', status: 'delivered', stepId: expect.any(String) }) }),
      expect.objectContaining({ type: 'message.failed', data: expect.objectContaining({ channel: 'sms', status: 'undelivered', errorCode: '30003' }) }),
      expect.objectContaining({ type: 'consent.changed', data: { clinicId: 'clinic-a', patientId: 'p-123', channel: 'sms', consent: 'opted-out', via: 'sms-keyword' } }),
    ]));
    // A repeated report moves nothing and tells nobody twice.
    expect(payloads.filter((x) => x?.type === 'message.delivered')).toHaveLength(1);
  });

  it('reports an SMS the provider refused for good as message.failed', async () => {
    rig = await startProviderPipeline({ clinics: [testClinic({ plans: { session: [{ key: 'light-meal', template: 'light-meal', after: 'PT0S', channel: 'sms' }] } }), otherClinic()],
      env: { ...operatorEnv, WEBHOOK_BACKOFF: 'PT0.1S' } });
    const { p, twilio } = rig;
    const r = await startReceiver();
    await subscribe(p, r, ['message.failed']);
    twilio.failNext({ status: 400, code: 21211, message: 'Invalid To phone number' });
    await p.accept(sessionEvent({ escort: undefined }));
    await waitFor('message.failed delivered', () => r.received.length >= 1);
    expect(r.received[0]?.verified).toMatchObject({ ok: true, payload: { type: 'message.failed',
      data: { clinicId: 'clinic-a', patientId: 'p-123', channel: 'sms', status: 'failed', errorCode: expect.stringContaining('21211'), stepId: expect.stringContaining('light-meal') } } });
  });

  it('tells the integrator an escalation was acknowledged', async () => {
    pipeline = await startPipeline({ env: { ...operatorEnv, WEBHOOK_BACKOFF: 'PT0.1S' } });
    const p = pipeline;
    const r = await startReceiver();
    await subscribe(p, r, ['escalation.acknowledged']);
    await p.accept(sessionEvent());
    await waitFor('the patient on record', async () => (await p.db.query('SELECT 1 FROM patients')).length === 1);
    await p.db.query("INSERT INTO escalations (id, clinic_id, patient_id, kind, reason, code) VALUES ('esc-ack-1', 'clinic-a', 'p-123', 'review', 'test', 'ZZ99')");
    const ack = await p.server!.inject({ method: 'POST', url: '/v1/escalations/esc-ack-1/ack', headers: { authorization: 'Bearer test-key-clinic-a' }, payload: { by: 'Dr Lee' } });
    expect(ack.statusCode).toBe(200);
    await waitFor('the acknowledgement delivered', () => r.received.length === 1);
    expect(r.received[0]?.verified).toMatchObject({ ok: true, payload: { type: 'escalation.acknowledged', data: { escalationId: 'esc-ack-1', patientId: 'p-123', via: 'api' } } });
    expect(r.received[0]?.body).not.toContain('Dr Lee');
  });
});

describe('webhook delivery', () => {
  it('retries a receiver that answers 500 three times, with a growing backoff, then delivers exactly once; the attempts show in the admin API', async () => {
    pipeline = await startPipeline({ env: { ...operatorEnv, WEBHOOK_BACKOFF: 'PT0.2S' } });
    const p = pipeline;
    const r = await startReceiver();
    r.answers.push(500, 500, 500);
    await subscribe(p, r, ['escalation.raised']);
    const [id] = await emitEscalation(p);
    await waitFor('delivered', async () => (await delivery(p, id!)).status === 'delivered');

    expect(r.received.map((x) => x.status)).toEqual([500, 500, 500, 204]);
    expect(r.received.every((x) => x.verified.ok && x.headers['webhook-id'] === id)).toBe(true);
    const shown = await admin(p, 'GET', `/webhook-deliveries/${id}`);
    const attempts = shown.body.attempts as Array<{ attemptedAt: string; statusCode: number | null; durationMs: number; responseExcerpt: string | null }>;
    expect(attempts.map((a) => a.statusCode)).toEqual([500, 500, 500, 204]);
    expect(attempts[0]?.responseExcerpt).toBe('receiver is having a bad day');
    expect(attempts.every((a) => a.durationMs >= 0)).toBe(true);
    const gaps = attempts.slice(1).map((a, i) => Date.parse(a.attemptedAt) - Date.parse(attempts[i]!.attemptedAt));
    // 0.2 s, 0.4 s, 0.8 s: each wait doubles.
    expect(gaps[0]).toBeGreaterThanOrEqual(190);
    expect(gaps[1]).toBeGreaterThanOrEqual(390);
    expect(gaps[2]).toBeGreaterThanOrEqual(790);
    expect(shown.body).toMatchObject({ status: 'delivered', attempts: expect.any(Array) });
    // Nothing is left to send it again.
    expect(await p.queues.webhooks.getJob(id!)).toBeUndefined();
    const listed = await admin(p, 'GET', '/webhook-deliveries?status=delivered');
    expect(listed.body.deliveries).toEqual([expect.objectContaining({ id, type: 'escalation.raised', status: 'delivered', attempts: 4 })]);
  });

  it('keeps a delivery while the receiver is down and delivers it once the receiver is back', async () => {
    pipeline = await startPipeline({ env: { ...operatorEnv, WEBHOOK_BACKOFF: 'PT0.2S' } });
    const p = pipeline;
    const r = await startReceiver({ listen: false });
    await subscribe(p, r, ['escalation.raised']);
    const [id] = await emitEscalation(p);
    await waitFor('two refused attempts', async () => (await p.db.query("SELECT 1 FROM webhook_attempts WHERE error = 'ECONNREFUSED'")).length >= 2);
    expect((await delivery(p, id!)).status).toBe('pending');
    await r.listen();
    await waitFor('delivered after the receiver came back', async () => (await delivery(p, id!)).status === 'delivered');
    expect(r.received).toHaveLength(1);
    expect(r.received[0]?.verified).toMatchObject({ ok: true, payload: { type: 'escalation.raised', data: { escalationId: 'esc-test' } } });
  });

  it('replays a delivery that was given up, with the same webhook-id', async () => {
    pipeline = await startPipeline({ env: { ...operatorEnv, WEBHOOK_BACKOFF: 'PT0.1S', WEBHOOK_RETRY_FOR: 'PT0.5S' } });
    const p = pipeline;
    const r = await startReceiver();
    r.answers.push(...Array<number>(50).fill(503));
    await subscribe(p, r, ['escalation.raised']);
    const [id] = await emitEscalation(p);
    await waitFor('given up', async () => (await delivery(p, id!)).status === 'failed');
    const tried = r.received.length;
    expect(tried).toBeGreaterThanOrEqual(2);
    const failed = await admin(p, 'GET', '/webhook-deliveries?status=failed');
    expect(failed.body.deliveries).toEqual([expect.objectContaining({ id, status: 'failed', lastError: 'HTTP 503' })]);

    r.answers.length = 0;
    const replay = await admin(p, 'POST', `/webhook-deliveries/${id}/replay`);
    expect(replay.status).toBe(202);
    await waitFor('delivered after the replay', async () => (await delivery(p, id!)).status === 'delivered');
    expect(r.received.slice(tried).map((x) => [x.status, x.headers['webhook-id'], x.verified.ok])).toEqual([[204, id, true]]);
    const again = await admin(p, 'POST', `/webhook-deliveries/${id}/replay`);
    expect(again).toMatchObject({ status: 400, body: { error: { code: 'invalid-input' } } });
    expect((await admin(p, 'POST', '/webhook-deliveries/msg_nothing/replay')).status).toBe(404);
  });

  it('delivers what was owed when Redis is wiped between the emit and the delivery', async () => {
    privateRedis = await startPrivateRedis();
    pipeline = await startPipeline({ env: { ...operatorEnv, REDIS_URL: privateRedis.url, WEBHOOK_BACKOFF: 'PT1S' } });
    const p = pipeline;
    const r = await startReceiver({ listen: false });
    await subscribe(p, r, ['escalation.raised']);
    const [id] = await emitEscalation(p);
    await waitFor('a refused attempt', async () => (await p.db.query('SELECT 1 FROM webhook_attempts')).length >= 1);
    const wipe = new Redis(privateRedis.url);
    await wipe.flushall();
    wipe.disconnect();
    expect(await p.queues.webhooks.getJob(id!)).toBeUndefined();
    await r.listen();
    await waitFor('delivered after the wipe', async () => (await delivery(p, id!)).status === 'delivered', 40_000);
    expect(r.received).toHaveLength(1);
    expect(r.received[0]?.verified).toMatchObject({ ok: true, payload: { type: 'escalation.raised' } });
  }, 60_000);
});
