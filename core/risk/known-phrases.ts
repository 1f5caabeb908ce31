import { CRISIS_PHRASES, SYMPTOM_PHRASES } from '../reply-words.ts';
import type { ConceptSource } from './lexicon.ts';

// The phrase lists the service began with stay a floor: any reply they caught is still caught.
// Compared word for word (no stems): "matarme" is a crisis, "me mata el calor" is not.
const plain = (list: readonly string[]) =>
  list.map((p) => p.replace(/~/g, '').split(' ').map((w) => w.split('/').map((alt) => `=${alt}`).join('/')).join(' '));
export const KNOWN_PHRASES = {
  'known-crisis': { en: plain(CRISIS_PHRASES), es: plain(CRISIS_PHRASES) },
  'known-symptom': { en: plain(SYMPTOM_PHRASES), es: plain(SYMPTOM_PHRASES) },
} satisfies Record<string, ConceptSource>;
