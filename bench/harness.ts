import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { resolveClinics, type ClinicInput } from '../config/clinics.ts';
import { loadEnv, type Env } from '../config/env.ts';
import type { CarePlanStepInput } from '../core/care-plan.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { openService, type Role, type Service } from '../service/index.ts';
import { openDb, type Db } from '../store/db.ts';
import { benchClinic } from './clinic.ts';
import { cpuNow, type CpuTimes } from './cpu-usage.ts';
import { deleteKeys } from './measure.ts';

/** What every case shares: the throwaway Redis, the PostgreSQL server, a scratch directory and a log file. */
export interface BenchContext {
  redisUrl: string;
  databaseUrl: string;
  tmpDir: string;
  log: Logger;
  logFile: string;
  /** An admin connection on `public`: creates and drops the bench schemas. */
  admin: Db;
  /** A plain Redis client for measurements and cleanup. */
  redis: Redis;
  quick: boolean;
  full: boolean;
  /** node flags for child processes (e.g. --cpu-prof --cpu-prof-dir=...). */
  childFlags: string[];
  /** Where the measured phases write CPU profiles (--cpu-prof-dir); unset: no profiling. */
  profileDir: string | undefined;
  schemas: Set<string>;
  /** Pids of running child processes, for CPU accounting. */
  children: Set<number>;
  cpu(): CpuTimes;
}

export async function openContext(o: {
  redisUrl: string; redisPid: number | undefined; databaseUrl: string; tmpDir: string; quick: boolean; full: boolean;
  childFlags: string[]; profileDir: string | undefined;
}): Promise<BenchContext> {
  const logFile = join(o.tmpDir, 'service.log');
  const log = createLogger({ level: 'warn' }, createWriteStream(logFile, { flags: 'a' }));
  const admin = await openDb({ url: o.databaseUrl, schema: 'public' });
  const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: 3 });
  const children = new Set<number>();
  const cpu = () => cpuNow({ redisPid: o.redisPid, childPids: () => [...children] });
  return { ...o, log, logFile, admin, redis, schemas: new Set(), children, cpu };
}

/** Warnings and errors the service logged, apart from the expected one about a Redis without persistence. */
export function loggedProblems(ctx: BenchContext): string[] {
  const text = (() => { try { return readFileSync(ctx.logFile, 'utf8'); } catch { return ''; } })();
  return text.split('\n').filter((l) => l && !l.includes('Redis keeps nothing on disk'));
}

export function newTag(): string {
  return randomUUID().replace(/-/g, '').slice(0, 12);
}

/** The variables a bench service or worker process runs with; `vars` override the bench defaults. */
export function benchVars(ctx: BenchContext, tag: string, vars: Record<string, string> = {}): Record<string, string> {
  const dataDir = join(ctx.tmpDir, tag);
  mkdirSync(dataDir, { recursive: true });
  return {
    REDIS_URL: ctx.redisUrl,
    DATABASE_URL: ctx.databaseUrl,
    DATA_DIR: dataDir,
    OUTBOX_DIR: join(dataDir, 'outbox'),
    QUEUE_PREFIX: `{bench-${tag}}`,
    DATABASE_SCHEMA: `bench_${tag}`,
    LOG_LEVEL: 'warn',
    // The reconciler repairs Redis from PostgreSQL; with nothing lost it only adds load, so it stays out of the figures.
    RECONCILE_EVERY: 'PT1H',
    // Every step in Redis, as raw BullMQ's delayed jobs: like for like. The horizon case sets its own.
    SCHEDULE_HORIZON: 'P60D',
    START_LOCAL_REDIS: 'never',
    PORT: '0',
    API_RATE_PER_MINUTE: '1000000',
    WORKER_CONCURRENCY: '50',
    SMS_RATE_PER_SECOND: '10000',
    ...vars,
  };
}

export function benchEnv(ctx: BenchContext, tag: string, vars: Record<string, string> = {}): Env {
  return loadEnv(benchVars(ctx, tag, vars));
}

export interface BenchService {
  service: Service;
  tag: string;
  schema: string;
  prefix: string;
  outboxDir: string;
  /** Steps with a delayed job on the steps queue: their instant's alarm, or one of their own. */
  stepsDelayed(): Promise<number>;
  dispose(): Promise<void>;
}

/** The whole service in this process on a fresh schema and key prefix, with the bench clinic (or `clinics`). */
export async function openBenchService(
  ctx: BenchContext,
  o: { role: Role; plan: CarePlanStepInput[]; vars?: Record<string, string>; env?: Partial<Env>; tag?: string; clinics?: ClinicInput[] },
): Promise<BenchService> {
  const tag = o.tag ?? newTag();
  const env = { ...benchEnv(ctx, tag, o.vars), ...o.env };
  const schema = env.DATABASE_SCHEMA;
  ctx.schemas.add(schema);
  const service = await openService({ env, role: o.role, log: ctx.log, clinics: resolveClinics({ clinics: o.clinics ?? [benchClinic(o.plan)] }), dbSchema: schema });
  return {
    service,
    tag,
    schema,
    prefix: env.QUEUE_PREFIX,
    outboxDir: env.OUTBOX_DIR,
    stepsDelayed: async () => {
      // A delayed alarm stands for the scheduled steps of its instant; any other delayed job for one step.
      const ids = await service.queues.steps.getRanges(['delayed'], 0, -1);
      const instants = ids.flatMap((id) => { const ms = /^due-(\d+)$/.exec(id)?.[1]; return ms ? [new Date(Number(ms))] : []; });
      if (instants.length === 0) return ids.length;
      const [row] = await service.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM steps WHERE state = 'scheduled' AND due_at = ANY($1::timestamptz[])", [instants]);
      return ids.length - instants.length + (row?.n ?? 0);
    },
    async dispose() {
      await service.close();
      await dropSchema(ctx, schema);
      await deleteKeys(ctx.redis, `${env.QUEUE_PREFIX}*`);
    },
  };
}

export async function dropSchema(ctx: BenchContext, schema: string): Promise<void> {
  await ctx.admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  ctx.schemas.delete(schema);
}
