import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRedis } from '../../lib/redis.ts';
import { openInboundSpool } from '../../producers/inbound-spool.ts';
import { leaks, redisContents } from '../support/history.ts';
import { escalationRows, inboundSms } from '../support/inbound-sms.ts';
import { deleteKeys, sessionEvent, startPipeline, testClinic, testDatabaseUrl, testRedisUrl, type TestPipeline } from '../support/pipeline.ts';
import { startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { waitFor } from '../support/wait-for.ts';

// Twilio never re-delivers an inbound SMS the webhook failed to take: while PostgreSQL is away the
// message waits in Redis, sealed, and a crisis is answered from the clinic file at once.

const patientPhone = '+15551234567';
const nursePhone = '+15550002222';
const later = { session: [{ key: 'light-meal', template: 'light-meal', after: 'PT1H', channel: 'sms' as const }] };
const dataKey = randomBytes(32).toString('base64');

let rig: ProviderPipeline | undefined;
let pipeline: TestPipeline | undefined;
let proxy: TcpProxy | undefined;
let redisProxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.accept().catch(() => {});
  await redisProxy?.accept().catch(() => {});
  await rig?.dispose();
  await pipeline?.dispose();
  await proxy?.close();
  await redisProxy?.close();
  rig = pipeline = proxy = redisProxy = undefined;
});

/** The service reaching PostgreSQL (and Redis, when asked) through proxies a test can make refuse. */
async function startBehindProxies(options: { redis?: boolean } = {}) {
  const database = new URL(testDatabaseUrl);
  proxy = await startTcpProxy(Number(database.port || 5432));
  database.port = String(proxy.port);
  const redis = new URL(testRedisUrl);
  if (options.redis) {
    redisProxy = await startTcpProxy(Number(redis.port || 6379));
    redis.port = String(redisProxy.port);
  }
  rig = await startProviderPipeline({ clinics: [testClinic({ plans: later })],
    env: { DATABASE_URL: database.toString(), REDIS_URL: redis.toString(), DATA_KEY: dataKey } });
  await rig.p.accept(sessionEvent({ escort: undefined }));
  await waitFor('the plan stored', async () => (await rig!.p.db.query('SELECT 1 FROM plans')).length === 1);
  return rig;
}

describe('an inbound SMS while PostgreSQL is unreachable', () => {
  it('answers crisis language with guidance at once, keeps the message sealed in Redis, and escalates it once PostgreSQL is back', async () => {
    const { p, twilio } = await startBehindProxies();
    await proxy!.refuse();
    const body = 'I took all my pills and feel strange';
    const crisis = await inboundSms(p, patientPhone, body);
    expect(crisis.status).toBe(200);
    expect(crisis.twiml).toContain('call 911');
    expect(crisis.twiml).toContain('We have alerted the Riverside Clinic team');
    const everyday = await inboundSms(p, patientPhone, 'see you thursday');
    expect(everyday.twiml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');

    const contents = await redisContents(testRedisUrl, p.env.QUEUE_PREFIX);
    expect(contents.some((text) => text.includes(`inbound-${crisis.sid}`))).toBe(true);
    expect(leaks(contents, { phones: [patientPhone], emails: [], fragments: [body, 'all my pills', 'see you thursday'] })).toEqual([]);

    await proxy!.accept();
    const [urgent] = await waitFor('the crisis escalated', async () => {
      const rows = await escalationRows(p);
      return rows.some((e) => e.kind === 'urgent') ? rows.filter((e) => e.kind === 'urgent') : undefined;
    }, 30_000);
    expect(urgent).toMatchObject({ patient_id: 'p-123', reason: expect.stringContaining('crisis language') });
    await waitFor('the nurse alerted', () => twilio.messages.some((m) => m.to === nursePhone && m.body.startsWith('URGENT')), 30_000);
    const replies = await waitFor('both replies recorded', async () => {
      const rows = await p.db.query<{ id: string; classification: string }>('SELECT id, classification FROM replies ORDER BY received_at');
      return rows.length === 2 ? rows : undefined;
    });
    expect(replies.map((r) => r.classification)).toEqual(['crisis', 'other']);
    const timeline = await p.db.query<{ kind: string; detail: Record<string, unknown> }>("SELECT kind, detail FROM timeline WHERE kind IN ('reply.received', 'reply.answered') ORDER BY id");
    expect(timeline.map((e) => e.kind)).toEqual(['reply.received', 'reply.answered', 'reply.received']);
    expect(timeline[1]?.detail).toMatchObject({ template: 'crisis-reply', late: true });
    expect(await escalationRows(p)).toHaveLength(2);
  });
});

describe('an inbound SMS while PostgreSQL and Redis are both unreachable', () => {
  it('still answers crisis language with guidance, and refuses anything else with 503', async () => {
    const { p } = await startBehindProxies({ redis: true });
    await proxy!.refuse();
    await redisProxy!.refuse();
    const crisis = await inboundSms(p, patientPhone, 'i cant breathe');
    expect(crisis.status).toBe(200);
    expect(crisis.twiml).toContain('call 911');
    const everyday = await inboundSms(p, patientPhone, 'see you thursday');
    expect(everyday.status).toBe(503);
    await redisProxy!.accept();
    await proxy!.accept();
    await waitFor('Redis back', async () => (await p.redis.ping()) === 'PONG', 20_000);
  });
});

describe('the inbound spool', () => {
  it('keeps a MessageSid once, and a process started later receives what an earlier one kept', async () => {
    const prefix = `{t-${randomUUID().slice(0, 8)}}`;
    const key = Buffer.from(dataKey, 'base64');
    const connection = connectRedis(testRedisUrl, 'producer');
    const spool = openInboundSpool(connection, prefix, key);
    const sid = `SM${randomBytes(16).toString('hex')}`;
    try {
      await spool.keep({ sid, from: patientPhone, to: '+15550009999', body: 'I want to die' });
      await spool.keep({ sid, from: patientPhone, to: '+15550009999', body: 'I want to die' });
      const redis = new Redis(testRedisUrl);
      expect(await redis.keys(`${prefix}:inbound:inbound-*`)).toHaveLength(1);
      redis.disconnect();
    } finally {
      await spool.close();
      connection.disconnect();
    }
    try {
      pipeline = await startPipeline({ env: { QUEUE_PREFIX: prefix, DATA_KEY: dataKey } });
      const p = pipeline;
      // The stranger's crisis reaches the clinic of the file, on a stand-in.
      const [urgent] = await waitFor('the kept crisis escalated', async () => { const e = await escalationRows(p); return e.length ? e : undefined; });
      expect(urgent).toMatchObject({ clinic_id: 'clinic-a', kind: 'urgent' });
      expect(await p.db.query('SELECT id FROM replies')).toEqual([{ id: sid }]);
    } finally {
      await deleteKeys(testRedisUrl, `${prefix}*`);
    }
  });
});
