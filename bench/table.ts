type Results = Record<string, unknown>;

const num = (r: Results | undefined, k: string): string => {
  const v = r?.[k];
  return typeof v === 'number' ? String(v) : '-';
};

/** The headline figure of each case, its raw-BullMQ yardstick, ratio, target and verdict. */
function rows(cases: Results): string[][] {
  const get = (name: string) => cases[name] as Results | undefined;
  const out: string[][] = [];
  const add = (name: string, figure: string, raw: string, ratio: string, target: string) => {
    const r = get(name);
    if (!r) return;
    if (typeof r.error === 'string') out.push([name, `ERROR: ${r.error.slice(0, 60)}`, '', '', '', 'fail']);
    else out.push([name, figure, raw, ratio, target, r.pass === true ? 'pass' : r.pass === false ? 'FAIL' : 'n/a']);
  };
  const s = get('schedule'); const h = get('schedule-http'); const d = get('dispatch'); const c = get('cancel');
  const m = get('memory'); const l = get('rate-limit'); const g = get('growth');
  add('schedule', `${num(s, 'libraryMessagesPerSecond')} msg/s`, `${num(s, 'rawDelayedAddsPerSecond')} add/s`, num(s, 'ratio'), '>= 0.5');
  add('schedule-http', `${num(h, 'eventsPerSecond')} ev/s p99 ${num(h, 'p99Ms')} ms`, `${num(h, 'rawEventsPerSecond')} req/s`, num(h, 'ratio'), '>= 1500 ev/s, p99 < 50 ms');
  add('dispatch', `${num(d, 'sentPerSecond')} msg/s max late ${num(d, 'latenessMaxMs')} ms`, `${num(d, 'rawPerSecond')} job/s`, num(d, 'ratio'), '>= 0.25, all within 3 s');
  add('cancel', `${num(c, 'plansPerSecond')} plans/s`, `${num(c, 'rawPlansPerSecond')} plans/s`, num(c, 'ratio'), '>= 1000 plans/s');
  add('memory', `${num(m, 'redisBytesPerMessage')} B Redis, ${num(m, 'postgresBytesPerMessage')} B PG /msg`, `${num(m, 'rawRedisBytesPerJob')} B/job`, num(m, 'redisRatioToRaw'), '<= 800 B Redis, <= 1024 B PG');
  add('rate-limit', `busiest ${num(l, 'busiestSlidingWindow')}/s, mean ${num(l, 'meanPerSecond')}/s`, `busiest ${num(l, 'rawBusiestSlidingWindow')}/s`, num(l, 'meanShareOfLimit'), `<= ${num(l, 'limitPerSecond')}/s, mean >= 95%`);
  const z = get('horizon');
  add('horizon', `${num(z, 'redisBytesPerMessage')} B Redis/msg, ${num(z, 'messagesPerSecond')} msg/s, promote ${num(z, 'promotedPerSecond')}/s`,
    `${num(z, 'rawRedisBytesPerJob')} B/job, ${num(z, 'rawDelayedAddsPerSecond')} add/s, addBulk ${num(z, 'rawAddBulkPerSecond')}/s`, num(z, 'scheduleRatio'), '<= 100 B Redis, >= 20,000 promoted/s');
  const k = get('classify');
  add('classify', `p50 ${num(k, 'p50Ms')} ms, p99 ${num(k, 'p99Ms')} ms (CPU ${num(k, 'cpuP99Ms')} ms), load ${num(k, 'freshProcessLoadMs')} ms`, '', '', 'p99 < 5 ms, load < 1 s');
  const steps = Array.isArray(g?.steps) ? (g.steps as Results[]) : [];
  add('growth', steps.map((x) => `${num(x, 'from')}->${num(x, 'to')}: x${num(x, 'timeRatio')} time`).join('; ') || '-',
    steps.map((x) => `x${num(x, 'rawTimeRatio')}`).join('; '), '', '<= 10.5x per 10x');
  return out;
}

export function printTable(cases: Results, stream: NodeJS.WritableStream = process.stderr): void {
  const header = ['case', 'figure', 'raw BullMQ', 'ratio', 'target', ''];
  const body = rows(cases);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  stream.write(`${[line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')}\n`);
}
