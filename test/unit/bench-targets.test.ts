import { describe, expect, it } from 'vitest';
import { keySpread } from '../../bench/key-spread.ts';
import { evaluate, figureAt, verdictOf, type RowVerdict } from '../../bench/targets.ts';

const rowOf = (rows: RowVerdict[], row: string) => {
  const found = rows.find((r) => r.row.startsWith(row));
  if (!found) throw new Error(`no row "${row}" in ${rows.map((r) => r.row).join(', ')}`);
  return found;
};

describe('bench targets', () => {
  it('say met only when every check holds, missed when one fails, not measured when a figure is absent', () => {
    expect(verdictOf([true, true])).toBe('met');
    expect(verdictOf([true, false])).toBe('missed');
    expect(verdictOf([undefined, false])).toBe('missed');
    expect(verdictOf([true, undefined])).toBe('not measured');
    expect(verdictOf([])).toBe('n/a');
  });

  it.each([
    [0.5, 'met'],
    [0.499, 'missed'],
  ])('judge a library schedule ratio of %s against 0.5 as %s', (ratio, verdict) => {
    const rows = evaluate({ schedule: { libraryMessagesPerSecond: 100, rawDelayedAddsPerSecond: 200, ratio } });
    expect(rowOf(rows, 'schedule (library), horizon P60D').verdict).toBe(verdict);
  });

  it('gives the default-horizon schedule its own row and ratio, judged apart from the like-for-like one', () => {
    const rows = evaluate({ schedule: { ratio: 0.6, defaultHorizon: { messagesPerSecond: 50, rawDelayedAddsPerSecond: 200, ratio: 0.25 } } });
    expect(rowOf(rows, 'schedule (library), horizon P60D').verdict).toBe('met');
    const horizon = rowOf(rows, 'schedule (library), horizon PT1H');
    expect(horizon).toMatchObject({ verdict: 'missed', ratio: 0.25 });
    expect(horizon.figure).toContain('50 msg/s');
  });

  it('misses HTTP when p99 reaches 50 ms even at a good ratio, and when a request failed', () => {
    const http = (p99Ms: number, errors: number) => rowOf(evaluate({ 'schedule-http': { ratio: 0.7, p99Ms, errors } }), 'schedule over HTTP').verdict;
    expect(http(49, 0)).toBe('met');
    expect(http(50, 0)).toBe('missed');
    expect(http(20, 1)).toBe('missed');
  });

  it('misses dispatch when the worst repeat sent its last message more than 3 s late', () => {
    const d = (latenessWorstMaxMs: number) => rowOf(evaluate({ dispatch: { messages: 10_000, ratio: 0.3, latenessWorstMaxMs } }), 'dispatch').verdict;
    expect(d(3_000)).toBe('met');
    expect(d(3_001)).toBe('missed');
  });

  it('marks a verdict taken below the size its target is set at with both sizes', () => {
    const rows = evaluate({ horizon: { messages: 10_000, redisBytesPerMessage: 90, rawRedisBytesPerJob: 600, promotedPerSecond: 25_000, promoted: 9_000 } });
    expect(rowOf(rows, 'Redis a message')).toMatchObject({ verdict: 'met', measuredAt: 10_000, setAt: 1_000_000 });
    expect(rowOf(rows, 'Redis a message').ratio).toBe(0.15);
    const full = evaluate({ horizon: { messages: 1_000_000, redisBytesPerMessage: 101 } });
    expect(rowOf(full, 'Redis a message')).toMatchObject({ verdict: 'missed' });
    expect(rowOf(full, 'Redis a message').measuredAt).toBeUndefined();
  });

  it('judges promotion by steps per second and reports its ratio to raw addBulk', () => {
    const row = rowOf(evaluate({ horizon: { promotedPerSecond: 19_999, rawAddBulkPerSecond: 40_000, promotionRatio: 0.5 } }), 'promotion');
    expect(row).toMatchObject({ verdict: 'missed', ratio: 0.5 });
  });

  it('misses growth when any 10x step costs more than 10.5x the time, and reads the largest size', () => {
    const g = (timeRatio: number) => rowOf(evaluate({ growth: { largest: 1_000_000, steps: [
      { from: 10_000, to: 100_000, sizeRatio: 10, timeRatio: 9 }, { from: 100_000, to: 1_000_000, sizeRatio: 10, timeRatio } ] } }), 'growth');
    expect(g(10.5).verdict).toBe('met');
    expect(g(10.6).verdict).toBe('missed');
    expect(g(10.5).measuredAt).toBeUndefined();
  });

  it('judges the realistic mix\'s growth from a tenth of the horizon size apart from the like-for-like series', () => {
    const h = (timeRatio: number, to: number) => rowOf(evaluate({ horizon: { growth: { from: to / 10, to, sizeRatio: 10, timeRatio, rawTimeRatio: 9.8 } } }), 'growth, realistic mix');
    expect(h(10.4, 1_000_000)).toMatchObject({ verdict: 'met' });
    expect(h(10.4, 1_000_000).measuredAt).toBeUndefined();
    expect(h(11, 1_000_000).verdict).toBe('missed');
    expect(h(10.4, 10_000)).toMatchObject({ verdict: 'met', measuredAt: 10_000, setAt: 1_000_000 });
  });

  it('judges the rate limit against the limit the run used', () => {
    const l = (busiest: number) => rowOf(evaluate({ 'rate-limit': { limitPerSecond: 20, busiestSlidingWindow: busiest, meanShareOfLimit: 0.96 } }), 'rate limit').verdict;
    expect(l(20)).toBe('met');
    expect(l(21)).toBe('missed');
  });

  it('misses the cluster spread when a master is empty or the busiest holds 60% or more', () => {
    const c = (bytes: number[]) => rowOf(evaluate({ cluster: { partitioned: { bytesPerMaster: bytes, keysPerMaster: [1, 1, 1], ...keySpread(bytes) } } }), 'cluster, 3 masters, QUEUE_PARTITIONS=12');
    expect(c([195, 58, 115]).verdict).toBe('met');
    expect(c([195, 58, 115]).ratio).toBe(3.36);
    expect(c([600, 200, 200]).verdict).toBe('missed');
    expect(c([500, 500, 0])).toMatchObject({ verdict: 'missed', ratio: undefined });
  });

  it('reports a case that failed as not measured, with its error', () => {
    const [row] = evaluate({ cancel: { error: 'timed out' } });
    expect(row).toMatchObject({ case: 'cancel', verdict: 'not measured', error: 'timed out' });
  });

  it('leaves out the rows of cases that did not run', () => {
    expect(evaluate({ cancel: { plansPerSecond: 1_000 } }).map((r) => r.case)).toEqual(['cancel']);
  });

  it('reads figures at dot paths and ignores what is not a finite number', () => {
    expect(figureAt({ a: { b: 3 } }, 'a.b')).toBe(3);
    expect(figureAt({ a: { b: '3' } }, 'a.b')).toBeUndefined();
    expect(figureAt({ a: Number.NaN }, 'a')).toBeUndefined();
    expect(figureAt(undefined, 'a')).toBeUndefined();
  });
});

describe('key spread', () => {
  it('is the busiest master over the least, with their shares of the bytes', () => {
    expect(keySpread([200, 100, 100])).toEqual({ spread: 2, busiestShare: 0.5, leastShare: 0.25 });
  });

  it('is infinite (null) when a master holds nothing, as with one queue in one slot', () => {
    expect(keySpread([0, 900, 0])).toEqual({ spread: null, busiestShare: 1, leastShare: 0 });
  });
});
