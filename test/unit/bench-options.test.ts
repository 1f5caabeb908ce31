import { describe, expect, it } from 'vitest';
import { caseNames, parseOptions } from '../../bench/options.ts';

describe('bench options', () => {
  it('runs every case, the cluster and horizon among them, when no --only is given', () => {
    const opts = parseOptions([]);
    expect(opts.cases).toEqual([...caseNames]);
    expect(opts.cases).toContain('cluster');
    expect(opts.cases).toContain('horizon');
    expect(opts.quick).toBe(false);
    expect(opts.full).toBe(false);
  });

  it('keeps the listed cases in the bench order, whatever order --only gives them in', () => {
    expect(parseOptions(['--only', 'cluster,schedule']).cases).toEqual(['schedule', 'cluster']);
  });

  it.each([
    [['--only', 'schedule,nope'], /--only takes one or more of/],
    [['--only', ','], /--only takes one or more of/],
    [['--fast'], /unknown argument "--fast"/],
    [['--only'], /unknown argument "--only"/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(message);
  });

  it('measures the realistic mix at 1,000,000 messages only in a --full run', () => {
    expect(parseOptions(['--full']).sizes.horizonMessages).toBe(1_000_000);
    expect(parseOptions(['--full']).sizes.growthMessages).toEqual([10_000, 100_000, 1_000_000]);
    expect(parseOptions([]).sizes.horizonMessages).toBe(100_000);
    expect(parseOptions(['--quick']).sizes.horizonMessages).toBe(10_000);
  });

  it('sizes dispatch at the 10,000 its target is set at, except in a --quick run', () => {
    expect(parseOptions([]).sizes.dispatchMessages).toBe(10_000);
    expect(parseOptions(['--quick']).sizes.dispatchMessages).toBeLessThan(10_000);
  });

  it('gives the cluster load fewer events per clinic in a --quick run', () => {
    expect(parseOptions(['--quick']).sizes.clusterEventsPerClinic).toBeLessThan(parseOptions([]).sizes.clusterEventsPerClinic);
  });

  it('takes the profile directory after --cpu-prof-dir', () => {
    expect(parseOptions(['--quick', '--cpu-prof-dir', '/tmp/prof']).cpuProfDir).toBe('/tmp/prof');
  });
});
