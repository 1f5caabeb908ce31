// Summarises a V8 .cpuprofile (node --cpu-prof): top functions by self time, and self time by area
// (a package under node_modules, this project's folders, node internals, GC, idle).
// Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top N] [--phase <name>]
// --phase keeps the samples inside the windows bench/profiler.ts recorded in phases.jsonl beside the profile.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

const profileSchema = z.object({
  startTime: z.number(),
  nodes: z.array(z.object({
    id: z.number(),
    callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
  })),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith('node:')) return 'node:internals';
  const own = /\/work\/[^/]+\/([^/]+)\//.exec(url);
  return own?.[1] ? `project/${own[1]}` : url;
}

const args = process.argv.slice(2);
const file = args[0];
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--top N] [--phase <name>]');
const profile = profileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
const phase = flag('--phase');
const phaseFile = join(dirname(file), 'phases.jsonl');
const windowSchema = z.object({ name: z.string(), fromUs: z.number(), toUs: z.number() });
const windows = phase && existsSync(phaseFile)
  ? readFileSync(phaseFile, 'utf8').split('\n').filter(Boolean).map((l) => windowSchema.parse(JSON.parse(l))).filter((w) => w.name === phase)
  : [];
if (phase && windows.length === 0) throw new Error(`no "${phase}" windows in ${phaseFile}`);
const inPhase = (us: number) => !phase || windows.some((w) => us >= w.fromUs && us <= w.toUs);
const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
const self = new Map<string, number>();
const areas = new Map<string, number>();
let total = 0;
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  const frame = byId.get(id);
  const dt = profile.timeDeltas[i] ?? 0;
  at += dt;
  if (!frame || !inPhase(at)) return;
  total += dt;
  const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/main\//, '')}:${frame.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + dt);
  const a = area(frame.url, frame.functionName);
  areas.set(a, (areas.get(a) ?? 0) + dt);
});
const busy = total - (areas.get('(idle)') ?? 0);
const pct = (us: number) => `${((100 * us) / busy).toFixed(1)}%`.padStart(6);
const top = Number(flag('--top') ?? 25);
process.stdout.write(`${phase ? `phase ${phase} (${windows.length} windows): ` : ''}total ${(total / 1e6).toFixed(1)} s, busy (not idle) ${(busy / 1e6).toFixed(1)} s; shares are of busy time\n\nby area:\n`);
for (const [a, us] of [...areas].filter(([a]) => a !== '(idle)').sort((x, y) => y[1] - x[1]).slice(0, 20))
  process.stdout.write(`${pct(us)}  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${a}\n`);
process.stdout.write('\ntop self time:\n');
for (const [k, us] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((x, y) => y[1] - x[1]).slice(0, top))
  process.stdout.write(`${pct(us)}  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${k}\n`);
