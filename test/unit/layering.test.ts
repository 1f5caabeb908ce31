import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The floors, from the top: a file imports files on its own floor or lower, never higher.
// Producers and workers share a floor and never import each other (both enqueue through lib/queues.ts).
const floors: Record<string, number> = {
  bin: 0, service: 0,
  producers: 1, workers: 1,
  templates: 2, config: 2, channels: 2,
  core: 3, store: 3, lib: 3,
};

const root = normalize(fileURLToPath(new URL('../../', import.meta.url)));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [relative(root, path).split('\\').join('/')] : [];
  });
}

/** Module specifiers of `import|export ... from '...'`, a bare `import '...'` and `import('...')`, as core-purity.test.ts reads them. */
function importSpecifiers(text: string): string[] {
  const patterns = [/^\s*(?:import|export)\b[^'";]*?\bfrom\s*(['"])([^'"]+)\1/gm, /^\s*import\s*(['"])([^'"]+)\1/gm, /\bimport\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g];
  return patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[2] ?? ''));
}

/** Each source file with the source files it imports (relative specifiers only; packages are another test's business). */
function importGraph(files: Array<{ path: string; text: string }>): Map<string, string[]> {
  return new Map(files.map(({ path, text }) => [path, importSpecifiers(text)
    .filter((s) => s.startsWith('.'))
    .map((s) => join(dirname(path), s).split('\\').join('/'))]));
}

const folderOf = (path: string) => path.split('/')[0] ?? '';

/** Every import that points to a higher floor, or between producers and workers. */
function wrongWay(graph: Map<string, string[]>): string[] {
  const wrong: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const [a, b] = [folderOf(from), folderOf(to)];
      const upward = (floors[b] ?? -1) < (floors[a] ?? -1);
      const sideways = a !== b && floors[a] === 1 && floors[b] === 1;
      if (upward || sideways) wrong.push(`${from} -> ${to}`);
    }
  }
  return wrong.sort();
}

/** The import circles, each as the files it passes through (Tarjan's strongly connected components). */
function importCycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

const sources = Object.keys(floors)
  .flatMap((folder) => tsFiles(join(root, folder)))
  .sort()
  .map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));
const graph = importGraph(sources);

describe('the layering check itself', () => {
  const sample = (files: Record<string, string>) => importGraph(Object.entries(files).map(([path, text]) => ({ path, text })));

  it('finds a circle through three files, and none in a chain', () => {
    const circle = sample({
      'workers/a.ts': "import { b } from './b.ts';",
      'workers/b.ts': "import type { C } from './sub/c.ts';",
      'workers/sub/c.ts': "export { a } from '../a.ts';",
      'workers/d.ts': "import { a } from './a.ts';",
    });
    expect(importCycles(circle)).toEqual([['workers/a.ts', 'workers/b.ts', 'workers/sub/c.ts']]);
    expect(importCycles(sample({ 'lib/a.ts': "import './b.ts';", 'lib/b.ts': "const m = await import('../core/c.ts');", 'core/c.ts': '' }))).toEqual([]);
  });

  it('refuses an import up a floor and one between producers and workers, and allows one down', () => {
    expect(wrongWay(sample({
      'store/a.ts': "import type { Clinic } from '../config/clinics.ts';",
      'producers/b.ts': "import { dispatchStep } from '../workers/dispatcher.ts';",
      'workers/c.ts': "import { loadStep } from '../store/plans.ts';",
      'service/d.ts': "import { startWorkers } from '../workers/index.ts';",
      'producers/http/e.ts': "import { parse } from '../../bin/aftercare.ts';",
    }))).toEqual(['producers/b.ts -> workers/dispatcher.ts', 'producers/http/e.ts -> bin/aftercare.ts', 'store/a.ts -> config/clinics.ts']);
  });

  it('finds the source files of every floor', () => {
    expect(new Set(sources.map((f) => folderOf(f.path)))).toEqual(new Set(Object.keys(floors)));
  });
});

describe('the import graph', () => {
  it('has no import circle', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('points down the floors only (bin, service; producers, workers; templates, config, channels; core, store, lib), never between producers and workers', () => {
    expect(wrongWay(graph)).toEqual([]);
  });

  it('leaves config/ to the floors above: templates and channels are handed the settings they need', () => {
    const intoConfig = [...graph].flatMap(([from, targets]) => ['templates', 'channels'].includes(folderOf(from))
      ? targets.filter((to) => folderOf(to) === 'config').map((to) => `${from} -> ${to}`) : []);
    expect(intoConfig).toEqual([]);
  });

  it('names only files that exist', () => {
    const missing = [...graph].flatMap(([from, targets]) => targets.filter((to) => !graph.has(to) && !to.endsWith('.json')).map((to) => `${from} -> ${to}`));
    expect(missing).toEqual([]);
  });
});
