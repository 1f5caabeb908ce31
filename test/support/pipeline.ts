import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { resolveClinics, type ClinicInput } from '../../config/clinics.ts';
import { loadEnv, type Env } from '../../config/env.ts';
import { createLogger } from '../../lib/logger.ts';
import { openDb } from '../../store/db.ts';
import { openService, type Role, type Service } from '../../service/index.ts';

// Chosen once for the run by test/support/global-setup.ts.
export const testDatabaseUrl = inject('databaseUrl');
export const testRedisUrl: string = inject('redisUrl');

export const clinicAKey = 'test-key-clinic-a';
export const clinicBKey = 'test-key-clinic-b';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A clinic with short offsets, so a whole plan runs in seconds. Override any field. */
export function testClinic(overrides: Partial<ClinicInput> = {}): ClinicInput {
  return {
    id: 'clinic-a',
    name: 'Riverside Clinic',
    phone: '+15550001111',
    timezone: 'America/Denver',
    apiKeySha256: sha256(clinicAKey),
    quietHours: { start: '00:00', end: '00:00' },
    escalation: { contacts: [{ name: 'On-call nurse', phone: '+15550002222', email: 'oncall@example.org' }] },
    plans: {
      session: [
        { key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore', toEscort: true },
        { key: 'light-meal', template: 'light-meal', after: 'PT1S' },
        { key: 'checkin-24h', template: 'checkin-24h', after: 'PT2S' },
      ],
    },
    ...overrides,
  };
}

export function otherClinic(overrides: Partial<ClinicInput> = {}): ClinicInput {
  return testClinic({ id: 'clinic-b', name: 'Harbour Wellness', apiKeySha256: sha256(clinicBKey), ...overrides });
}

export function sessionEvent(overrides: Record<string, unknown> = {}) {
  return {
    type: 'session.completed',
    id: `evt-${randomUUID()}`,
    clinicId: 'clinic-a',
    patient: {
      id: 'p-123', firstName: 'Samwise', phone: '+15551234567', email: 'samwise@example.org',
      timezone: 'America/Denver', locale: 'en', channel: 'sms', smsConsent: true,
    },
    escort: { name: 'Alexandrina', phone: '+15557654321' },
    session: { id: `s-${randomUUID().slice(0, 8)}`, endedAt: new Date().toISOString(), modality: 'iv' },
    ...overrides,
  };
}

export interface TestPipeline extends Service {
  schema: string;
  outboxDir: string;
  logLines: string[];
  outbox(channel: 'sms' | 'email'): Array<Record<string, string>>;
  /** Closes the service, drops its schema and deletes its Redis keys. */
  dispose(): Promise<void>;
}

export interface PipelineOptions {
  role?: Role;
  clinics?: ClinicInput[];
  env?: Record<string, string | undefined>;
  embedded?: boolean;
  now?: () => Date;
}

/** The whole service on the machine's Redis and PostgreSQL, on a fresh schema and key prefix. */
export async function startPipeline(options: PipelineOptions = {}): Promise<TestPipeline> {
  const tag = randomUUID().replace(/-/g, '').slice(0, 16);
  const schema = `t_${tag}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'aftercare-test-'));
  const outboxDir = join(dataDir, 'outbox');
  const env: Env = loadEnv({
    REDIS_URL: testRedisUrl,
    DATABASE_URL: options.embedded ? undefined : testDatabaseUrl,
    DATA_DIR: dataDir,
    OUTBOX_DIR: outboxDir,
    QUEUE_PREFIX: `{t-${tag}}`,
    LOG_LEVEL: 'info',
    RECONCILE_EVERY: 'PT1S',
    START_LOCAL_REDIS: 'never',
    PORT: '0',
    ...options.env,
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const service = await openService({
    env,
    role: options.role ?? 'all',
    log: createLogger({ level: 'info' }, sink),
    clinics: resolveClinics({ clinics: options.clinics ?? [testClinic(), otherClinic()] }),
    dbSchema: schema,
    now: options.now,
  });
  return Object.assign(service, {
    schema,
    outboxDir,
    logLines,
    outbox(channel: 'sms' | 'email') {
      const file = join(outboxDir, `${channel}.jsonl`);
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);
    },
    async dispose() {
      await service.close();
      if (!options.embedded) {
        const db = await openDb({ url: testDatabaseUrl, schema: 'public' });
        await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await db.close();
      }
      // A cluster is the test's own and goes away whole.
      if (!env.REDIS_URL.startsWith('redis+cluster://') && !env.REDIS_CLUSTER_NODES) await deleteKeys(env.REDIS_URL, `{t-${tag}}*`);
    },
  });
}

export async function deleteKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
