import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClinicInput } from '../../config/clinics.ts';
import { startPipeline, testDatabaseUrl, testRedisUrl, type TestPipeline } from './pipeline.ts';
import { processGroup, workerReady, type AftercareProcess, type ProcessGroup } from './processes.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { startTwilioChaos, type TwilioChaos } from './twilio-chaos.ts';
import { signTwilioRequest, startTwilioServer, type TwilioServer } from './twilio-server.ts';

// One fault scenario's world: an in-process API (the clinic's side: accept events, webhooks, SQL),
// `aftercare worker` child processes, a local Twilio behind a fault proxy, an SMTP sink behind a
// TCP proxy that can refuse connections. Its own PostgreSQL schema and BullMQ prefix.

export const accountSid = `AC${'c0ffee00'.repeat(4)}`;
export const authToken = 'fault-suite-auth-token-0123456789';
export const publicBaseUrl = 'https://aftercare.example.org';
export const twilioFrom = '+15550009999';

export interface RigOptions {
  clinics: ClinicInput[];
  redisUrl?: string;
  databaseUrl?: string;
  /** Environment of every worker process (and of the in-process API where it applies). */
  env?: Record<string, string>;
}

export interface FaultRig {
  api: TestPipeline;
  twilio: TwilioServer;
  chaos: TwilioChaos;
  smtp: SmtpSink;
  smtpProxy: TcpProxy;
  procs: ProcessGroup;
  redisUrl: string;
  prefix: string;
  workerEnv(extra?: Record<string, string>): Record<string, string>;
  startWorker(name: string, extra?: Record<string, string>): Promise<AftercareProcess>;
  /** Posts an inbound SMS to the API's Twilio webhook, signed as Twilio would; returns status and TwiML. */
  inbound(from: string, body: string, sid: string): Promise<{ status: number; body: string }>;
  /** Every log line: the API's and every worker process's. */
  logLines(): string[];
  dispose(): Promise<void>;
}

export async function startFaultRig(options: RigOptions): Promise<FaultRig> {
  const redisUrl = options.redisUrl ?? testRedisUrl;
  const databaseUrl = options.databaseUrl ?? testDatabaseUrl;
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-fault-'));
  const clinicsFile = join(dir, 'clinics.json');
  writeFileSync(clinicsFile, JSON.stringify({ clinics: options.clinics }));
  const twilio = await startTwilioServer({ accountSid, authToken });
  const chaos = await startTwilioChaos(twilio.url);
  const smtp = await startSmtpSink();
  const smtpProxy = await startTcpProxy(Number(new URL(smtp.url).port));
  const provider = {
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: authToken,
    TWILIO_FROM: twilioFrom,
    TWILIO_API_URL: chaos.url,
    PUBLIC_BASE_URL: publicBaseUrl,
    SMTP_URL: `smtp://127.0.0.1:${smtpProxy.port}`,
    EMAIL_FROM: 'care@riverside.example.org',
    SMS_RATE_PER_SECOND: '1000',
    RECONCILE_EVERY: 'PT1S',
    // One key for every process, as a deployment sets it: the API encrypts a reply a worker reads.
    FIELD_KEYS: `rig:${randomBytes(32).toString('base64')}`,
  };
  const api = await startPipeline({
    role: 'api',
    clinics: options.clinics,
    env: { REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, ...provider, ...options.env },
  });
  // Without an 'error' listener (lib/queues.ts adds none) BullMQ prints each failed reconnect to
  // stderr; the test process hears them here, the worker processes' own output still has them.
  for (const q of [api.queues.events, api.queues.steps, api.queues.escalations, api.queues.maintenance]) q.on('error', () => {});
  const procs = processGroup();
  const workerEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: api.schema,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: api.env.QUEUE_PREFIX,
    CLINICS_FILE: clinicsFile,
    DATA_DIR: join(dir, 'data'),
    START_LOCAL_REDIS: 'never',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    ...provider,
    ...options.env,
    ...extra,
  });
  return {
    api,
    twilio,
    chaos,
    smtp,
    smtpProxy,
    procs,
    redisUrl,
    prefix: api.env.QUEUE_PREFIX,
    workerEnv,
    async startWorker(name, extra) {
      const proc = procs.start(name, 'worker', workerEnv(extra));
      await workerReady(proc);
      return proc;
    },
    async inbound(from, body, sid) {
      const params = { AccountSid: accountSid, MessageSid: sid, SmsSid: sid, From: from, To: twilioFrom, Body: body, NumMedia: '0', ApiVersion: '2010-04-01' };
      const url = `${publicBaseUrl}/webhooks/twilio/inbound`;
      const res = await api.server!.inject({
        method: 'POST',
        url: '/webhooks/twilio/inbound',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(authToken, url, params) },
        payload: new URLSearchParams(params).toString(),
      });
      return { status: res.statusCode, body: res.body };
    },
    logLines: () => [...api.logLines, ...procs.lines()],
    async dispose() {
      await procs.stopAll();
      await api.dispose().catch(() => {});
      await chaos.close();
      await twilio.close();
      await smtpProxy.close();
      await smtp.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
