/** Small numeric helpers for benchmark figures: medians of repeats, percentiles of latencies. */

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Medians of every numeric field across repeats. */
export function medians<K extends string>(runs: Array<Record<K, number>>): Record<K, number> {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r)))] as K[];
  const entries = keys.map((k) => [k, median(runs.map((r) => r[k]).filter((v) => Number.isFinite(v)))] as const);
  return Object.fromEntries(entries) as Record<K, number>;
}
