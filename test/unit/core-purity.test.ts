import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// core/ is pure (zod, luxon and its own files) and never reads the clock: time is an argument.
const coreDir = new URL('../../core/', import.meta.url);
// core/ and its one level of folders (core/risk/).
const coreFiles = readdirSync(coreDir)
  .flatMap((name) => (statSync(new URL(name, coreDir)).isDirectory() ? readdirSync(new URL(`${name}/`, coreDir)).map((f) => `${name}/${f}`) : [name]))
  .filter((name) => name.endsWith('.ts'))
  .sort()
  .map((name) => ({ name, text: readFileSync(new URL(name, coreDir), 'utf8') }));

// Pure libraries of the risk model: stemming, edit distance, naive Bayes (no I/O, no clock).
const allowedPackages = new Set(['zod', 'luxon', 'libphonenumber-js/min', 'snowball-stemmers', 'fastest-levenshtein', 'wink-naive-bayes-text-classifier']);
const siblingFile = /^\.\.?\/[a-z0-9][a-z0-9-]*\.ts$|^\.\/[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*\.ts$/;

/**
 * Every module specifier of an `import ... from '...'` / `export ... from '...'` statement, a bare
 * `import '...'`, and `import('...')`. Statements are anchored at a line start so that word lists
 * containing 'from' (reply-words.ts) are not mistaken for imports.
 */
function importSpecifiers(text: string): string[] {
  const patterns = [/^\s*(?:import|export)\b[^'";]*?\bfrom\s*(['"])([^'"]+)\1/gm, /^\s*import\s*(['"])([^'"]+)\1/gm, /\bimport\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g, /\brequire\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g];
  return patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[2] ?? ''));
}

const allowed = (specifier: string): boolean => allowedPackages.has(specifier) || siblingFile.test(specifier);

describe('the purity check itself', () => {
  it.each([
    { text: "import { z } from 'zod';", specifiers: ['zod'] },
    { text: "import {\n  a,\n  b,\n} from './reply-words.ts';", specifiers: ['./reply-words.ts'] },
    { text: "export { x } from \"../lib/ids.ts\";", specifiers: ['../lib/ids.ts'] },
    { text: "import 'node:fs';", specifiers: ['node:fs'] },
    { text: "const m = await import('ioredis');", specifiers: ['ioredis'] },
    { text: "type T = import('../store/db.ts').Db;", specifiers: ['../store/db.ts'] },
    { text: "export const WORDS = ['from', 'to', 'by'];", specifiers: [] },
  ])('finds $specifiers in $text', ({ text, specifiers }) => {
    expect(importSpecifiers(text)).toEqual(specifiers);
  });

  it.each(['../lib/ids.ts', './x', 'node:fs', 'luxon/src/datetime.js', 'libphonenumber-js', 'ioredis'])(
    'refuses %s',
    (specifier) => {
      expect(allowed(specifier)).toBe(false);
    },
  );

  it('finds the core files', () => {
    expect(coreFiles.map((f) => f.name)).toEqual(expect.arrayContaining(['events.ts', 'care-plan.ts', 'channel-choice.ts', 'phone.ts']));
  });
});

describe.each(coreFiles)('core/$name', ({ name, text }) => {
  it('imports only zod, luxon, libphonenumber-js/min, the risk libraries and core files', () => {
    expect(importSpecifiers(text).filter((s) => !allowed(s))).toEqual([]);
  });

  it('imports no node: module', () => {
    expect(importSpecifiers(text).filter((s) => s.startsWith('node:'))).toEqual([]);
  });

  it('does not read process.env', () => {
    expect(text).not.toMatch(/\bprocess\s*\.\s*env\b/);
  });

  it('does not read the clock (time is an argument)', () => {
    expect(text).not.toMatch(/\bDate\s*\.\s*now\s*\(|\bnew\s+Date\s*\(\s*\)|\bDateTime\s*\.\s*(now|local|utc)\s*\(\s*\)|\bperformance\s*\.\s*now\s*\(/);
  });

  it(`does not import its own file (${name})`, () => {
    expect(importSpecifiers(text)).not.toContain(`./${name.split('/').pop()}`);
  });
});
