import { show, type RowVerdict } from './targets.ts';

/** The verdict, marked with the run's size when the target is set at a larger one. */
function verdictText(v: RowVerdict): string {
  if (v.error) return `not measured: ${v.error.slice(0, 60)}`;
  return v.measuredAt === undefined ? v.verdict : `${v.verdict} (at ${show(v.measuredAt)}; set at ${show(v.setAt)})`;
}

/** One line a row: the figure, its raw-BullMQ yardstick, ratio, target and verdict. */
export function printTable(verdicts: RowVerdict[], stream: NodeJS.WritableStream = process.stderr): void {
  const header = ['case', 'figure', 'raw BullMQ', 'ratio', 'target', 'verdict'];
  const body = verdicts.map((v) => [v.row, v.figure, v.raw, show(v.ratio), v.target, verdictText(v)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  stream.write(`${[line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')}\n`);
}
