import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { classifyReply } from '../../core/classify-reply.ts';
import { RISK_MODEL } from '../../core/risk/model-data.ts';
import { loadClassifier } from '../../core/risk/risk-model.ts';
import type { BenchContext } from '../harness.ts';
import type { BenchOptions } from '../options.ts';
import { percentile, round } from '../stats.ts';
import { corpusUrl, readCorpus } from '../../test/support/reply-corpus.ts';

/**
 * Reading one reply: p50 and p99 of classifyReply over every corpus reply (targets: p99 < 5 ms),
 * and the time to load the classifier at start, in a fresh process and the model alone (< 1 s).
 */
export async function classifyCase(_ctx: BenchContext, opts: BenchOptions): Promise<Record<string, unknown>> {
  const lines = ['train.jsonl', 'heldout.jsonl', 'heldout-2.jsonl'].flatMap((name) => {
    try { return readCorpus(corpusUrl(name)); } catch { return []; }
  });
  const rounds = opts.quick ? 3 : 10;
  for (const line of lines) classifyReply(line.text, { checkinOpen: line.checkinOpen, plan: line.plan });
  // Wall time, and CPU time of the process (on a shared machine the wall time also holds the waits for a core).
  const timings: number[] = [];
  const cpuTimings: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const line of lines) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      classifyReply(line.text, { checkinOpen: line.checkinOpen, plan: line.plan });
      timings.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuTimings.push((c.user + c.system) / 1000);
    }
  }
  const m0 = performance.now();
  loadClassifier(RISK_MODEL);
  const modelLoadMs = performance.now() - m0;
  const script = fileURLToPath(new URL('../classify-load.ts', import.meta.url));
  const fresh = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' })) as { loadMs: number };
  const p99Ms = round(percentile(timings, 99), 3);
  return {
    replies: timings.length,
    p50Ms: round(percentile(timings, 50), 3),
    p99Ms,
    maxMs: round(Math.max(...timings), 3),
    cpuP50Ms: round(percentile(cpuTimings, 50), 3),
    cpuP99Ms: round(percentile(cpuTimings, 99), 3),
    modelLoadMs: round(modelLoadMs, 1),
    freshProcessLoadMs: round(fresh.loadMs, 1),
  };
}
