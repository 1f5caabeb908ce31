import type { Hit, Lang } from './lexicon.ts';

// Whose danger a reply describes. A medical emergency is often written by an escort or relative:
// the person named nearest before the cue decides ("my husband says his chest hurts"), or an
// object right after it ("I can't wake her up"). Thoughts of suicide or self-harm are the
// sender's own unless the reply names nobody but someone else ("my son says he wants to die").
const MEDICAL = new Set(['breathing', 'consciousness', 'chest-heart', 'stroke', 'dangerous-mixing', 'fainting-falls',
  'perceptual-persisting', 'urinary', 'vomiting', 'severe-headache', 'blood-pressure', 'panic-anxiety', 'no-sleep', 'known-phrase']);
const OBJECTS = new Set(['her', 'him', 'them', 'la']);
const PRONOUNS = new Set(['he', 'she', 'him', 'himself', 'herself', 'ella']);

export function subjectOf(cue: readonly Hit[], hits: readonly Hit[], family: string, lang: Lang): 'self' | 'other' {
  const persons = hits.filter((h) => (h.concept === 'self' || h.concept === 'other') && (h.lang ?? lang) === lang);
  const others = persons.filter((h) => h.concept === 'other');
  // "my" before a relative belongs to the relative.
  const selves = persons.filter((h) => h.concept === 'self' && !others.some((o) => o.start === h.end + 1));
  if (!MEDICAL.has(family)) return others.some((o) => PRONOUNS.has(o.canonical)) && selves.length === 0 ? 'other' : 'self';
  if (cue.length === 0) return 'self';
  const start = Math.min(...cue.map((h) => h.start));
  const end = Math.max(...cue.map((h) => h.end));
  if (others.some((o) => o.start > end - 1 && o.start <= end + 2 && OBJECTS.has(o.canonical))) return 'other';
  const refs = [...selves, ...others];
  const before = refs.filter((h) => h.start >= start - 8 && h.start <= end).sort((x, y) => y.start - x.start || (x.concept === 'other' ? -1 : 1));
  if (before[0]) return before[0].concept === 'other' ? 'other' : 'self';
  const after = refs.filter((h) => h.start > end && h.start <= end + 4).sort((x, y) => x.start - y.start);
  return after[0]?.concept === 'other' ? 'other' : 'self';
}
