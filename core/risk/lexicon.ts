import { distance } from 'fastest-levenshtein';
import { soundEs, squeeze, stemWord, toPlainWords, type Token } from './normalise.ts';

// An entry is one or more words; `a/b` is either word; `=word` matches only that word (no stem,
// no typo), for short words a stem would blur. Words are normalised like a reply, then compared by
// squeezed form, by Snowball stem of the entry's language, or, for words of 7 letters or more, with
// one typo (two from 10 letters): "suicidel", "vomitting", "feinted", "hallucinatng".
export type Lang = 'en' | 'es';
interface WordTest { alternatives: Array<{ plain: string; squeezed: string; stem: string; sound: string; exact: boolean }> }
export interface Entry { canonical: string; lang: Lang; words: WordTest[] }
export interface Hit { concept: string; canonical: string; start: number; end: number; lang?: Lang }

export function compileEntry(source: string, lang: Lang): Entry {
  // A shorthand the reply reader spells out ("its" -> "it is") is spelled out in the entry too.
  const parts = source.split(' ').flatMap((part) => (part.includes('/') || part.startsWith('=') ? [part] : toPlainWords(part)));
  const words = parts.map((part) => ({
    alternatives: part.split('/').map((alt) => {
      const exact = alt.startsWith('=');
      const plain = toPlainWords(alt.replace(/^=/, '')).join('');
      return { plain, squeezed: squeeze(plain), stem: stemWord(plain, lang), sound: lang === 'es' ? soundEs(plain) : '', exact };
    }),
  }));
  const canonical = parts.map((part) => (part.split('/')[0] ?? '').replace(/^=/, '')).join(' ');
  return { canonical, lang, words };
}

function wordMatches(token: Token, test: WordTest, lang: Lang): boolean {
  for (const alt of test.alternatives) {
    if (token.plain === alt.plain) return true;
    if (alt.exact) continue;
    // A dropped or doubled letter ("kil", "pilss"), not two different doubles ("feel" is not "fell").
    if (token.squeezed === alt.squeezed && (token.squeezed === token.plain || alt.squeezed === alt.plain)) return true;
    if ((lang === 'en' ? token.stemEn : token.stemEs) === alt.stem && alt.stem.length >= 3) return true;
    if (lang === 'es' && alt.plain.length >= 5 && token.soundEs === alt.sound) return true;
    // A typo rarely touches the first letter: "painted" is not "fainted".
    if (alt.plain.length >= 7 && token.plain.length >= 6 && token.plain[0] === alt.plain[0] && Math.abs(token.plain.length - alt.plain.length) <= 2) {
      if (swapped(token.plain, alt.plain) || (alt.plain.length >= 10 ? distance(token.plain, alt.plain) <= 2 : oneSlip(token.plain, alt.plain))) return true;
    }
  }
  return false;
}

// One letter dropped or added, or changed for a vowel or a key next to it ("suicidel", "sucidal",
// "vomitting"), but not for any letter: "meeting" is not "melting".
const KEYS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const near = (a: string, b: string): boolean => {
  if ('aeiou'.includes(a) && 'aeiou'.includes(b)) return true;
  return KEYS.some((row, r) => {
    const i = row.indexOf(a);
    if (i < 0) return false;
    return [row[i - 1], row[i + 1], KEYS[r - 1]?.[i], KEYS[r - 1]?.[i + 1], KEYS[r + 1]?.[i], KEYS[r + 1]?.[i - 1]].includes(b);
  });
};
function oneSlip(a: string, b: string): boolean {
  if (distance(a, b) !== 1) return false;
  if (a.length !== b.length) return true;
  const i = [...a].findIndex((ch, k) => ch !== b[k]);
  return near(a[i] ?? '', b[i] ?? '');
}

// Two neighbouring letters swapped ("siezure", "overdoes"), which edit distance counts as two.
function swapped(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff = [...a].flatMap((ch, i) => (ch === b[i] ? [] : [i]));
  const [i, j] = diff;
  return diff.length === 2 && i !== undefined && j === i + 1 && a[i] === b[j] && a[j] === b[i];
}

// The entry's words in order; one extra word may sit between two of them ("want to just die").
function matchFrom(tokens: readonly Token[], at: number, entry: Entry, k: number, gap: boolean): number | undefined {
  const test = entry.words[k];
  if (!test) return at - 1;
  for (const next of gap ? [at, at + 1] : [at]) {
    const token = tokens[next];
    if (token && wordMatches(token, test, entry.lang)) {
      const end = matchFrom(tokens, next + 1, entry, k + 1, gap);
      if (end !== undefined) return end;
    }
  }
  return undefined;
}

// Idioms match word for word (`gap` false): "kill myself me" holds no "killed me".
export function findEntries(tokens: readonly Token[], concept: string, entries: readonly Entry[], gap = true): Hit[] {
  const hits: Hit[] = [];
  for (const entry of entries) {
    const head = entry.words[0];
    if (!head) continue;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      if (!token || !wordMatches(token, head, entry.lang)) continue;
      const end = entry.words.length === 1 ? i : matchFrom(tokens, i + 1, entry, 1, gap);
      if (end !== undefined) hits.push({ concept, canonical: entry.canonical, start: i, end, lang: entry.lang });
    }
  }
  return hits;
}

// All concepts at once, their entries indexed by the forms of their first word, so a reply is
// compared only with the entries one of its words can open (typo candidates by first letter).
export function indexConcepts(concepts: ReadonlyArray<[string, Entry[]]>) {
  const byKey = new Map<string, Array<[string, Entry]>>();
  const byInitial = new Map<string, Array<[string, Entry]>>();
  const add = (map: Map<string, Array<[string, Entry]>>, key: string, item: [string, Entry]) => map.set(key, [...(map.get(key) ?? []), item]);
  for (const [concept, entries] of concepts) {
    for (const entry of entries) {
      for (const alt of entry.words[0]?.alternatives ?? []) {
        add(byKey, `p:${alt.plain}`, [concept, entry]);
        if (alt.exact) continue;
        add(byKey, `s:${alt.squeezed}`, [concept, entry]);
        add(byKey, `${entry.lang}:${alt.stem}`, [concept, entry]);
        if (entry.lang === 'es') add(byKey, `so:${alt.sound}`, [concept, entry]);
        if (alt.plain.length >= 7) add(byInitial, alt.plain[0] ?? '', [concept, entry]);
      }
    }
  }
  return (tokens: readonly Token[]): Hit[] => {
    const hits: Hit[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (!t) continue;
      const keys = [`p:${t.plain}`, `s:${t.squeezed}`, `en:${t.stemEn}`, `es:${t.stemEs}`, ...(t.soundEs ? [`so:${t.soundEs}`] : [])];
      const candidates = new Set([...keys.flatMap((k) => byKey.get(k) ?? []), ...(t.plain.length >= 6 ? byInitial.get(t.plain[0] ?? '') ?? [] : [])]);
      for (const [concept, entry] of candidates) {
        const head = entry.words[0];
        if (!head || !wordMatches(t, head, entry.lang)) continue;
        const end = entry.words.length === 1 ? i : matchFrom(tokens, i + 1, entry, 1, true);
        if (end !== undefined) hits.push({ concept, canonical: entry.canonical, start: i, end, lang: entry.lang });
      }
    }
    return hits;
  };
}

export type ConceptSource = { en: readonly string[]; es: readonly string[] };
export function compileConcepts<K extends string>(source: Record<K, ConceptSource>): Array<[K, Entry[]]> {
  return (Object.entries(source) as Array<[K, ConceptSource]>).map(([concept, { en, es }]) => [
    concept,
    [...en.map((e) => compileEntry(e, 'en')), ...es.map((e) => compileEntry(e, 'es'))],
  ]);
}
