import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AftercareError } from '../../lib/errors.ts';
import { loadStep } from '../../store/plans.ts';
import { buildMessage, deliver } from '../../workers/deliver.ts';
import { sessionEvent, startPipeline, testClinic, testDatabaseUrl, type TestPipeline } from '../support/pipeline.ts';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.ts';
import { startTwilioServer, type TwilioServer } from '../support/twilio-server.ts';
import { waitFor } from '../support/wait-for.ts';

// SMS_RATE_PER_SECOND is a limit for all worker processes together, not for each one.

const projectDir = fileURLToPath(new URL('../..', import.meta.url));
const accountSid = `AC${'fedcba9876543210'.repeat(2)}`;
const authToken = 'rate-limit-test-auth-token-0123456789';
const ratePerSecond = 5;
const messageCount = 30;
// Each worker process sends from its own number, so the Twilio side can tell who sent what.
const senders = ['+15550009991', '+15550009992'];

interface WorkerProcess {
  child: ChildProcess;
  output: string[];
}

let pipeline: TestPipeline | undefined;
let twilio: TwilioServer | undefined;
let workers: WorkerProcess[] = [];
let tempDir: string | undefined;
let redis: PrivateRedis | undefined;

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopWorker({ child }: WorkerProcess): Promise<void> {
  const done = exited(child);
  child.kill('SIGTERM');
  // A worker that does not finish its jobs in time is killed rather than left behind.
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await done;
  clearTimeout(timer);
}

afterEach(async () => {
  await Promise.all(workers.map(stopWorker));
  workers = [];
  await pipeline?.dispose();
  await twilio?.close();
  await redis?.stop();
  redis = undefined;
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  pipeline = undefined;
  twilio = undefined;
  tempDir = undefined;
});

function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/aftercare.ts', 'worker'], {
    cwd: projectDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  return { child, output };
}

/** The most arrivals inside any window of `windowMs` (half-open: [t, t + windowMs)). */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** Two `aftercare worker` processes send one due check-in to each of `messageCount` patients. */
async function sendThroughTwoWorkers(): Promise<TwilioServer> {
  twilio = await startTwilioServer({ accountSid, authToken });
  const clinic = testClinic({ plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT0S', channel: 'sms' }] } });
  pipeline = await startPipeline({ role: 'api', clinics: [clinic] });
  const p = pipeline;
  const t = twilio;

  const dir = mkdtempSync(join(tmpdir(), 'aftercare-rate-'));
  tempDir = dir;
  const clinicsFile = join(dir, 'clinics.json');
  writeFileSync(clinicsFile, JSON.stringify({ clinics: [clinic] }));
  const workerEnv = (from: string, index: number): Record<string, string> => ({
    DATABASE_URL: testDatabaseUrl,
    DATABASE_SCHEMA: p.schema,
    REDIS_URL: p.env.REDIS_URL,
    QUEUE_PREFIX: p.env.QUEUE_PREFIX,
    CLINICS_FILE: clinicsFile,
    DATA_DIR: join(dir, `worker-${index}`),
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: authToken,
    TWILIO_FROM: from,
    TWILIO_API_URL: t.url,
    PUBLIC_BASE_URL: 'https://aftercare.example.org',
    SMS_RATE_PER_SECOND: String(ratePerSecond),
    START_LOCAL_REDIS: 'never',
    LOG_LEVEL: 'warn',
  });
  workers = senders.map((from, i) => spawnWorker(workerEnv(from, i)));
  const started = workers;
  const output = () => started.map((w, i) => `worker ${i}:\n${w.output.join('')}`).join('\n');

  // Both processes take jobs from the steps queue before any is due.
  await waitFor('two worker processes on the steps queue', async () => {
    const gone = started.find((w) => w.child.exitCode !== null);
    if (gone) throw new Error(`a worker exited with ${gone.child.exitCode}\n${output()}`);
    return (await p.queues.steps.getWorkersCount()) >= 2;
  }, 30_000);

  for (let i = 0; i < messageCount; i++) {
    await p.accept(sessionEvent({
      escort: undefined,
      patient: {
        id: `p-rate-${i}`, firstName: 'Samwise', phone: `+1555123${String(4000 + i)}`, timezone: 'America/Denver',
        locale: 'en', channel: 'sms', smsConsent: true,
      },
    }));
  }
  await waitFor(`${messageCount} messages at Twilio`, () => t.messages.length >= messageCount, 30_000)
    .catch((err: Error) => { throw new Error(`${err.message}; ${t.messages.length} arrived\n${output()}`); });
  return t;
}

describe('SMS rate limit across worker processes', () => {
  it(`shares ${ratePerSecond} SMS per second between two worker processes, each sending some`, async () => {
    const t = await sendThroughTwoWorkers();
    expect(t.messages).toHaveLength(messageCount);
    expect(new Set(t.messages.map((m) => m.to)).size).toBe(messageCount);
    const arrivals = t.messages.map((m) => m.receivedAt.getTime());
    // One limit for both: 30 at 5/s spans about 5 s; a limit per process would finish in about 2 s.
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeGreaterThanOrEqual((messageCount / ratePerSecond - 2) * 1_000);
    expect(new Set(t.messages.map((m) => m.from))).toEqual(new Set(senders));
  });

  it(`never lets two worker processes together send more than ${ratePerSecond} SMS in any one second`, async () => {
    const t = await sendThroughTwoWorkers();
    expect(t.messages).toHaveLength(messageCount);
    expect(busiestWindow(t.messages.map((m) => m.receivedAt.getTime()), 1_000)).toBeLessThanOrEqual(ratePerSecond);
  });
});

describe('SMS rate limit without Redis', () => {
  it('sends nothing, claims nothing, and sends once Redis is back', async () => {
    redis = await startPrivateRedis();
    const clinic = testClinic({ plans: { session: [{ key: 'light-meal', template: 'light-meal', after: 'PT1H', channel: 'sms' }] } });
    pipeline = await startPipeline({ env: { REDIS_URL: redis.url }, clinics: [clinic] });
    const p = pipeline;
    await p.accept(sessionEvent({ escort: undefined }));
    const [row] = await waitFor('the step stored', () => p.db.query<{ id: string }>('SELECT id FROM steps').then((r) => (r.length ? r : undefined)));
    const { step, plan, patient } = (await loadStep(p.db, row!.id))!;
    const message = buildMessage({ step, plan, patient: patient!, clinic: p.clinics.get(step.clinicId)!, channel: 'sms', to: patient!.phone! });
    const send = () => deliver(p, { message, step, now: new Date(), log: p.log, finalAttempt: false });
    const claim = () => p.db.query<{ status: string; error_code: string | null }>('SELECT status, error_code FROM deliveries');

    await redis.kill();
    const refused = await send().then(() => undefined, (err: unknown) => err);
    expect(refused).toBeInstanceOf(AftercareError);
    expect((refused as AftercareError).code).toBe('redis-unavailable');
    // The claim is taken inside the rate-limit slot: without one, there is nothing to free.
    expect(await claim()).toEqual([]);
    expect(p.outbox('sms')).toHaveLength(0);

    await redis.restart();
    await waitFor('sent once Redis is back', () => send().then((r) => r === 'sent', () => false));
    expect(await claim()).toEqual([{ status: 'sent', error_code: null }]);
    expect(p.outbox('sms')).toHaveLength(1);
  });
});
