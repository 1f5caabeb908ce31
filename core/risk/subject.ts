import type { Hit, Lang } from './lexicon.ts';

// Whose danger a reply describes. A medical emergency is often written by an escort or relative:
// a person named inside the cue ("no respira") or nearest before it ("my husband says his chest
// hurts"), or an object right after it ("I can't wake her up"), decides. Thoughts and acts of
// suicide or self-harm are the sender's own unless someone else is named before the cue and the
// sender is not named at all ("mi hijo se tomó un frasco entero").
const MEDICAL = new Set(['breathing', 'consciousness', 'chest-heart', 'stroke', 'dangerous-mixing', 'fainting-falls',
  'perceptual-persisting', 'urinary', 'vomiting', 'severe-headache', 'blood-pressure', 'panic-anxiety', 'no-sleep', 'known-phrase']);
const OBJECTS = new Set(['her', 'him', 'them', 'la']);

export function subjectOf(cue: readonly Hit[], hits: readonly Hit[], family: string, lang: Lang): 'self' | 'other' {
  const medical = MEDICAL.has(family);
  const inLang = (h: Hit) => (h.lang ?? lang) === lang;
  const others = hits.filter((h) => inLang(h) && (h.concept === 'other' || (medical && h.concept === 'other-verb')));
  // "my" before a relative belongs to the relative.
  const selves = hits.filter((h) => inLang(h) && h.concept === 'self' && !others.some((o) => o.start === h.end + 1));
  if (cue.length === 0) return 'self';
  const start = Math.min(...cue.map((h) => h.start));
  const end = Math.max(...cue.map((h) => h.end));
  if (!medical) return selves.length === 0 && others.some((o) => o.start < start && o.canonical !== 'la') ? 'other' : 'self';
  if (others.some((o) => o.start > end - 1 && o.start <= end + 2 && OBJECTS.has(o.canonical))) return 'other';
  if (others.some((o) => o.start >= start && o.start <= end)) return 'other';
  const refs = [...selves, ...others];
  const before = refs.filter((h) => h.start >= start - 8 && h.start <= end).sort((x, y) => y.start - x.start || (x.concept === 'self' ? 1 : -1));
  if (before[0]) return before[0].concept === 'self' ? 'self' : 'other';
  const after = refs.filter((h) => h.start > end && h.start <= end + 4).sort((x, y) => x.start - y.start);
  return after[0] && after[0].concept !== 'self' ? 'other' : 'self';
}
