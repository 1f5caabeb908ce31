/**
 * Issue 18's targets as data: each row of the bench table names the figure, its raw-BullMQ
 * yardstick, the ratio, the target, and a verdict computed from the figures of this run.
 */

export type Results = Record<string, unknown>;
export type Verdict = 'met' | 'missed' | 'not measured' | 'n/a';

interface Check {
  /** Undefined when the figure is missing from the results. */
  holds(r: Results): boolean | undefined;
}

interface RowSpec {
  case: string;
  row: string;
  /** The part of the case's results the row reads (a case may carry several rows). */
  part?: string;
  figure(r: Results): string;
  raw(r: Results): string;
  ratio(r: Results): number | undefined;
  target: string;
  checks: Check[];
  /** The size the target is set at and where the run's size is read: a smaller run says so beside its verdict. */
  setAt?: { field: string; size: number };
}

export interface RowVerdict {
  case: string;
  row: string;
  figure: string;
  raw: string;
  ratio: number | undefined;
  target: string;
  verdict: Verdict;
  /** The run's size when below the size the target is set at. */
  measuredAt?: number;
  setAt?: number;
  error?: string;
}

/** A number at a dot path of the results, or undefined. */
export function figureAt(r: Results | undefined, path: string): number | undefined {
  let v: unknown = r;
  for (const key of path.split('.')) v = v && typeof v === 'object' ? (v as Results)[key] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function show(n: number | undefined): string {
  return n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** A check that a figure compares to a bound; undefined when the figure is missing. */
function atMost(path: string, bound: number | ((r: Results) => number | undefined)): Check {
  return { holds: (r) => compare(figureAt(r, path), typeof bound === 'number' ? bound : bound(r), (a, b) => a <= b) };
}
function below(path: string, bound: number): Check {
  return { holds: (r) => compare(figureAt(r, path), bound, (a, b) => a < b) };
}
function above(path: string, bound: number): Check {
  return { holds: (r) => compare(figureAt(r, path), bound, (a, b) => a > b) };
}
function atLeast(path: string, bound: number | ((r: Results) => number | undefined)): Check {
  return { holds: (r) => compare(figureAt(r, path), typeof bound === 'number' ? bound : bound(r), (a, b) => a >= b) };
}
function compare(a: number | undefined, b: number | undefined, op: (a: number, b: number) => boolean): boolean | undefined {
  return a === undefined || b === undefined ? undefined : op(a, b);
}

/** A 10x step costs at most 10.5x the time. */
const linearStep = (s: Results) => compare(figureAt(s, 'timeRatio'), figureAt(s, 'sizeRatio'), (t, n) => t <= 1.05 * n);

/** Every step of the growth series is linear. */
const linearGrowth: Check = {
  holds(r) {
    const checked = steps(r).map(linearStep);
    if (checked.length === 0 || checked.includes(undefined)) return undefined;
    return checked.every(Boolean);
  },
};

/** Kilobytes on each master, as 195/58/115 KB. */
function perMaster(r: Results, key: string): string {
  const v = r[key];
  return Array.isArray(v) ? `${v.map((b) => show(Math.round(Number(b) / 1024))).join('/')} KB` : '-';
}

function keysPerMaster(r: Results): string {
  return Array.isArray(r.keysPerMaster) ? r.keysPerMaster.map((k) => show(Number(k))).join('/') : '-';
}

/** max/min of the masters' bytes; a master with none makes it infinite (null in the JSON). */
function spreadText(r: Results): string {
  const spread = figureAt(r, 'spread');
  return spread === undefined ? 'a master empty' : `max/min x${show(spread)}`;
}

export const rowSpecs: RowSpec[] = [
  {
    case: 'schedule', row: 'schedule (library), horizon P60D, every step delayed',
    figure: (r) => `${show(figureAt(r, 'libraryMessagesPerSecond'))} msg/s`,
    raw: (r) => `${show(figureAt(r, 'rawDelayedAddsPerSecond'))} add/s`,
    ratio: (r) => figureAt(r, 'ratio'),
    target: 'ratio >= 0.5', checks: [atLeast('ratio', 0.5)],
  },
  {
    case: 'schedule', part: 'defaultHorizon', row: 'schedule (library), horizon PT1H, realistic mix',
    figure: (r) => `${show(figureAt(r, 'messagesPerSecond'))} msg/s`,
    raw: (r) => `${show(figureAt(r, 'rawDelayedAddsPerSecond'))} add/s`,
    ratio: (r) => figureAt(r, 'ratio'),
    target: 'ratio >= 0.5', checks: [atLeast('ratio', 0.5)],
  },
  {
    case: 'schedule-http', row: 'schedule over HTTP, 50 connections',
    figure: (r) => `${show(figureAt(r, 'eventsPerSecond'))} ev/s, p99 ${show(figureAt(r, 'p99Ms'))} ms, ${show(figureAt(r, 'errors'))} errors`,
    raw: (r) => `${show(figureAt(r, 'rawEventsPerSecond'))} req/s, p99 ${show(figureAt(r, 'rawP99Ms'))} ms`,
    ratio: (r) => figureAt(r, 'ratio'),
    target: 'ratio >= 0.5, p99 < 50 ms, no errors', checks: [atLeast('ratio', 0.5), below('p99Ms', 50), atMost('errors', 0)],
  },
  {
    case: 'dispatch', row: 'dispatch, due at one instant, concurrency 50',
    figure: (r) => `${show(figureAt(r, 'sentPerSecond'))} msg/s, last ${show(figureAt(r, 'latenessWorstMaxMs'))} ms late`,
    raw: (r) => `${show(figureAt(r, 'rawPerSecond'))} job/s, last ${show(figureAt(r, 'rawLatenessMaxMs'))} ms late`,
    ratio: (r) => figureAt(r, 'ratio'),
    target: 'ratio >= 0.25, all sent within 3 s', checks: [atLeast('ratio', 0.25), atMost('latenessWorstMaxMs', 3_000)],
    setAt: { field: 'messages', size: 10_000 },
  },
  {
    case: 'cancel', row: 'cancel, three pending steps a plan',
    figure: (r) => `${show(figureAt(r, 'plansPerSecond'))} plans/s`,
    raw: (r) => `${show(figureAt(r, 'rawPlansPerSecond'))} plans/s`,
    ratio: (r) => figureAt(r, 'ratio'),
    target: '>= 1,000 plans/s', checks: [atLeast('plansPerSecond', 1_000)],
  },
  {
    case: 'memory', row: 'memory, every step in Redis',
    figure: (r) => `${show(figureAt(r, 'redisBytesPerMessage'))} B Redis, ${show(figureAt(r, 'postgresBytesPerMessage'))} B PG a message`,
    raw: (r) => `${show(figureAt(r, 'rawRedisBytesPerJob'))} B a job`,
    ratio: (r) => figureAt(r, 'redisRatioToRaw'),
    target: '<= 800 B Redis, <= 1,024 B PG', checks: [atMost('redisBytesPerMessage', 800), atMost('postgresBytesPerMessage', 1_024)],
    setAt: { field: 'messages', size: 100_000 },
  },
  {
    case: 'horizon', row: 'Redis a message, horizon PT1H, realistic mix',
    figure: (r) => `${show(figureAt(r, 'redisBytesPerMessage'))} B Redis, ${show(figureAt(r, 'postgresBytesPerMessage'))} B PG a message`,
    raw: (r) => `${show(figureAt(r, 'rawRedisBytesPerJob'))} B a job`,
    ratio: (r) => {
      const [a, b] = [figureAt(r, 'redisBytesPerMessage'), figureAt(r, 'rawRedisBytesPerJob')];
      return a === undefined || !b ? undefined : Math.round((a / b) * 100) / 100;
    },
    target: '<= 100 B Redis', checks: [atMost('redisBytesPerMessage', 100)],
    setAt: { field: 'messages', size: 1_000_000 },
  },
  {
    case: 'horizon', row: 'promotion into BullMQ',
    figure: (r) => `${show(figureAt(r, 'promotedPerSecond'))} steps/s (${show(figureAt(r, 'promoted'))} steps)`,
    raw: (r) => `${show(figureAt(r, 'rawAddBulkPerSecond'))} jobs/s by addBulk`,
    ratio: (r) => figureAt(r, 'promotionRatio'),
    target: '>= 20,000 steps/s', checks: [atLeast('promotedPerSecond', 20_000)],
  },
  {
    case: 'horizon', part: 'growth', row: 'growth, realistic mix at PT1H',
    figure: (r) => `${show(figureAt(r, 'from'))}->${show(figureAt(r, 'to'))} x${show(figureAt(r, 'timeRatio'))}`,
    raw: (r) => `x${show(figureAt(r, 'rawTimeRatio'))}`,
    ratio: () => undefined,
    target: '<= x10.5 a 10x step', checks: [{ holds: linearStep }],
    setAt: { field: 'to', size: 1_000_000 },
  },
  {
    case: 'growth', row: 'growth, horizon P60D, time per 10x messages',
    figure: (r) => steps(r).map((s) => `${show(figureAt(s, 'from'))}->${show(figureAt(s, 'to'))} x${show(figureAt(s, 'timeRatio'))}`).join('; ') || '-',
    raw: (r) => steps(r).map((s) => `x${show(figureAt(s, 'rawTimeRatio'))}`).join('; ') || '-',
    ratio: () => undefined,
    target: '<= x10.5 a 10x step', checks: [linearGrowth],
    setAt: { field: 'largest', size: 1_000_000 },
  },
  {
    case: 'rate-limit', row: 'rate limit across worker processes',
    figure: (r) => `busiest second ${show(figureAt(r, 'busiestSlidingWindow'))}, mean ${show(figureAt(r, 'meanPerSecond'))}/s`,
    raw: (r) => `busiest second ${show(figureAt(r, 'rawBusiestSlidingWindow'))}`,
    ratio: (r) => figureAt(r, 'meanShareOfLimit'),
    target: '<= L in any second, mean >= 95% of L',
    checks: [atMost('busiestSlidingWindow', (r) => figureAt(r, 'limitPerSecond')), atLeast('meanShareOfLimit', 0.95)],
  },
  {
    case: 'classify', row: 'classify one reply',
    figure: (r) => `p99 ${show(figureAt(r, 'p99Ms'))} ms (CPU ${show(figureAt(r, 'cpuP99Ms'))} ms), load ${show(figureAt(r, 'freshProcessLoadMs'))} ms`,
    raw: () => '',
    ratio: () => undefined,
    target: 'p99 < 5 ms, load < 1 s', checks: [below('p99Ms', 5), below('freshProcessLoadMs', 1_000)],
  },
  {
    case: 'cluster', part: 'partitioned', row: 'cluster, 3 masters, QUEUE_PARTITIONS=12',
    figure: (r) => `${perMaster(r, 'bytesPerMaster')} in ${keysPerMaster(r)} keys, ${spreadText(r)}`,
    raw: (r) => `one queue: ${perMaster(r, 'rawBytesPerMaster')}`,
    ratio: (r) => figureAt(r, 'spread'),
    target: 'every master holds keys, busiest < 60% of bytes',
    checks: [above('leastShare', 0), below('busiestShare', 0.6)],
  },
  {
    case: 'cluster', part: 'unpartitioned', row: 'cluster, 3 masters, QUEUE_PARTITIONS=1',
    figure: (r) => `${perMaster(r, 'bytesPerMaster')} in ${keysPerMaster(r)} keys, ${spreadText(r)}`,
    raw: (r) => `one queue: ${perMaster(r, 'rawBytesPerMaster')}`,
    ratio: (r) => figureAt(r, 'spread'),
    target: 'for comparison', checks: [],
  },
];

function steps(r: Results): Results[] {
  return Array.isArray(r.steps) ? (r.steps as Results[]) : [];
}

/** All checks hold: met; one fails: missed; a figure missing: not measured; no checks: n/a. */
export function verdictOf(checked: Array<boolean | undefined>): Verdict {
  if (checked.length === 0) return 'n/a';
  if (checked.includes(false)) return 'missed';
  if (checked.includes(undefined)) return 'not measured';
  return 'met';
}

/** The rows of the cases present in the results, each with its verdict. */
export function evaluate(cases: Results): RowVerdict[] {
  const out: RowVerdict[] = [];
  for (const spec of rowSpecs) {
    const whole = cases[spec.case];
    if (!whole || typeof whole !== 'object') continue;
    const base = { case: spec.case, row: spec.row, target: spec.target };
    const error = (whole as Results).error;
    if (typeof error === 'string') {
      out.push({ ...base, figure: '', raw: '', ratio: undefined, verdict: 'not measured', error });
      continue;
    }
    const r = (spec.part ? (whole as Results)[spec.part] : whole) as Results | undefined;
    if (!r || typeof r !== 'object') continue;
    const size = spec.setAt ? figureAt(r, spec.setAt.field) : undefined;
    const small = spec.setAt && size !== undefined && size < spec.setAt.size;
    out.push({
      ...base,
      figure: spec.figure(r),
      raw: spec.raw(r),
      ratio: spec.ratio(r),
      verdict: verdictOf(spec.checks.map((c) => c.holds(r))),
      ...(small ? { measuredAt: size, setAt: spec.setAt!.size } : {}),
    });
  }
  return out;
}
