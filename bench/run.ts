import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnv } from '../config/env.ts';
import { cancelCase } from './cases/cancel.ts';
import { classifyCase } from './cases/classify.ts';
import { clusterCase } from './cases/cluster.ts';
import { dispatchCase } from './cases/dispatch.ts';
import { growthCase, memoryCase } from './cases/memory-growth.ts';
import { horizonCase } from './cases/horizon.ts';
import { httpCase } from './cases/http.ts';
import { rateLimitCase } from './cases/rate-limit.ts';
import { scheduleCase } from './cases/schedule.ts';
import { dropSchema, loggedProblems, openContext, type BenchContext } from './harness.ts';
import { parseOptions, type BenchOptions, type CaseName } from './options.ts';
import { startBenchRedis } from './redis-server.ts';
import { countPgQueries } from './round-trips.ts';
import { printTable } from './table.ts';
import { evaluate } from './targets.ts';

const runners: Record<CaseName, (ctx: BenchContext, opts: BenchOptions) => Promise<Record<string, unknown>>> = {
  schedule: scheduleCase,
  'schedule-http': httpCase,
  dispatch: dispatchCase,
  cancel: cancelCase,
  memory: memoryCase,
  'rate-limit': rateLimitCase,
  growth: growthCase,
  classify: classifyCase,
  horizon: horizonCase,
  cluster: clusterCase,
};

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  countPgQueries();
  if (opts.cpuProfDir) mkdirSync(opts.cpuProfDir, { recursive: true });
  const databaseUrl = loadEnv().DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const tmpDir = mkdtempSync(join(tmpdir(), 'aftercare-bench-'));
  const redis = await startBenchRedis();
  const childFlags = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  const ctx = await openContext({ redisUrl: redis.url, redisPid: redis.pid, databaseUrl, tmpDir, quick: opts.quick, full: opts.full, childFlags, profileDir: opts.cpuProfDir });
  const started = Date.now();
  const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
  const results: Record<string, unknown> = {};
  const stop = async () => {
    // Child processes (API, workers) of a case interrupted by a signal.
    for (const pid of ctx.children) {
      try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
    }
    for (const schema of [...ctx.schemas]) await dropSchema(ctx, schema).catch(() => {});
    ctx.redis.disconnect();
    await ctx.admin.close().catch(() => {});
    await redis.stop();
    rmSync(tmpDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));
  try {
    for (const name of opts.cases) {
      const caseStart = Date.now();
      process.stderr.write(`bench: ${name}...\n`);
      try {
        results[name] = { ...(await runners[name](ctx, opts)), seconds: Math.round((Date.now() - caseStart) / 1000) };
      } catch (err) {
        results[name] = { error: (err as Error).message, seconds: Math.round((Date.now() - caseStart) / 1000) };
        process.stderr.write(`bench: ${name} failed: ${(err as Error).stack ?? String(err)}\n`);
      }
    }
    const report = {
      when: new Date().toISOString(),
      // Other work on the machine shows in the load average; ratios against raw BullMQ absorb some of it.
      machine: { cpus: cpus().length, node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) },
      mode: opts.quick ? 'quick' : opts.full ? 'full' : 'default',
      seconds: Math.round((Date.now() - started) / 1000),
      serviceLogProblems: loggedProblems(ctx).slice(0, 5),
      cases: results,
      // Each row's target and whether this run's figures meet it (bench/targets.ts).
      verdicts: evaluate(results),
    };
    printTable(report.verdicts);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
