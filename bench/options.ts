export const caseNames = ['schedule', 'schedule-http', 'dispatch', 'cancel', 'memory', 'rate-limit', 'growth', 'classify', 'horizon', 'cluster'] as const;
export type CaseName = (typeof caseNames)[number];

export interface BenchOptions {
  quick: boolean;
  full: boolean;
  cases: CaseName[];
  /** --cpu-prof-dir <dir>: child processes (API, workers) write V8 CPU profiles there. */
  cpuProfDir: string | undefined;
  /** Repeats of the ratio cases (schedule, http, dispatch, cancel, rate-limit), each after a warm-up. */
  repeats: number;
  /** Repeats of the volume points (memory, growth) below 100,000 messages; larger points run once. */
  volumeRepeats: number;
  sizes: {
    scheduleEvents: number;
    httpSeconds: number;
    dispatchMessages: number;
    cancelPlans: number;
    memoryMessages: number;
    /** The realistic mix beyond the horizon (horizon case). */
    horizonMessages: number;
    growthMessages: number[];
    rateLimit: { perSecond: number; messages: number; workers: number };
    /** Session events per clinic of the 100-clinic load on the 3-master cluster (cluster case). */
    clusterEventsPerClinic: number;
  };
}

const isCase = (s: string): s is CaseName => (caseNames as readonly string[]).includes(s);

/**
 * Flags: --quick (smaller sizes), --full (adds the 1,000,000-message growth point),
 * --only <case>[,<case>], --cpu-prof-dir <dir> (profiles of the child processes).
 */
export function parseOptions(argv: string[]): BenchOptions {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick' || arg === '--full') flags.add(arg);
    else if ((arg === '--only' || arg === '--cpu-prof-dir') && argv[i + 1]) values.set(arg, argv[++i]!);
    else throw new Error(`unknown argument "${arg}"; use --quick, --full, --only <case>[,<case>], --cpu-prof-dir <dir>`);
  }
  const quick = flags.has('--quick');
  const full = flags.has('--full');
  let cases: CaseName[] = [...caseNames];
  const only = values.get('--only');
  if (only !== undefined) {
    const wanted = only.split(',').filter(Boolean);
    const unknown = wanted.filter((w) => !isCase(w));
    if (wanted.length === 0 || unknown.length) throw new Error(`--only takes one or more of ${caseNames.join(', ')} (got "${only}")`);
    cases = caseNames.filter((c) => wanted.includes(c));
  }
  return {
    quick,
    full,
    cases,
    cpuProfDir: values.get('--cpu-prof-dir'),
    repeats: 3,
    volumeRepeats: quick ? 1 : 3,
    sizes: {
      scheduleEvents: quick ? 800 : 2_000,
      httpSeconds: quick ? 3 : 6,
      dispatchMessages: quick ? 1_000 : 10_000,
      cancelPlans: quick ? 400 : 2_000,
      memoryMessages: quick ? 10_000 : 100_000,
      horizonMessages: quick ? 10_000 : full ? 1_000_000 : 100_000,
      growthMessages: quick ? [1_000, 10_000] : full ? [10_000, 100_000, 1_000_000] : [10_000, 100_000],
      rateLimit: { perSecond: 20, messages: quick ? 100 : 200, workers: 2 },
      clusterEventsPerClinic: quick ? 10 : 50,
    },
  };
}
