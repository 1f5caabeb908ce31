import { IDIOMS, THINGS } from './idioms.ts';
import { KNOWN_PHRASES } from './known-phrases.ts';
import { compileConcepts, findEntries, indexConcepts, type Hit } from './lexicon.ts';
import { MEDICAL_CONCEPTS } from './medical-concepts.ts';
import { readReply, type Reading, type Token } from './normalise.ts';
import { applyRules, type Finding } from './risk-rules.ts';
import { SUICIDE_CONCEPTS } from './suicide-concepts.ts';

const concepts = compileConcepts({ ...SUICIDE_CONCEPTS, ...MEDICAL_CONCEPTS, ...KNOWN_PHRASES });
const findConcepts = indexConcepts(concepts);
const deathWords = concepts.filter(([c]) => c === 'die-verb');
const idioms = compileConcepts(IDIOMS);
const things = compileConcepts(THINGS);
// Who and when are never set aside by an idiom: "my phone died, I want to die" still has its "I".
const neverMasked = new Set(['self', 'other', 'time', 'reflexive']);

export interface Assessment { reading: Reading; hits: Hit[]; masked: ReadonlySet<number>; idiom: boolean; findings: Finding[] }

export function assessRisk(text: string, plan?: 'session' | 'cessation'): Assessment {
  const reading = readReply(text);
  const { tokens } = reading;
  const masked = new Set<number>();
  for (const [concept, entries] of idioms) {
    for (const hit of findEntries(tokens, concept, entries, false)) for (let i = hit.start; i <= hit.end; i++) masked.add(i);
  }
  // "my phone was dead all day", "se murió la batería": the death word is the thing's.
  const thingHits = things.flatMap(([concept, entries]) => findEntries(tokens, concept, entries));
  for (const [concept, entries] of deathWords) {
    for (const hit of findEntries(tokens, concept, entries)) {
      if (thingHits.some((t) => Math.abs(hit.start - t.end) <= 3)) masked.add(hit.start);
    }
  }
  const all = [...findConcepts(tokens), ...numberHits(tokens), ...suffixHits(tokens)];
  const hits = all.filter((h) => neverMasked.has(h.concept) || !covered(h, masked));
  const findings = applyRules(hits, { plan, tokens: tokens.length, question: isQuestion(text, tokens) });
  return { reading, hits, masked, idiom: masked.size > 0, findings };
}

// A question mark, or an opening that asks ("can I", "should I", "how many", "puedo", "a qué hora").
const ASKING = /^(can|could|should|do|does|is|are|how|what|when|which|am|will|puedo|debo|cuantas|cuantos|cuando|como|a que hora|se puede|tengo que|sigo)\b/;
function isQuestion(text: string, tokens: readonly Token[]): boolean {
  return /\?\s*$/.test(text.trim()) || text.includes('\u00BF') || ASKING.test(tokens.map((t) => t.plain).join(' '));
}

// Set aside only a cue that lies wholly inside an idiom: one that runs past it ("should just die"
// meeting "die to") is a cue of its own.
const covered = (hit: Hit, masked: ReadonlySet<number>): boolean => {
  for (let i = hit.start; i <= hit.end; i++) if (!masked.has(i)) return false;
  return true;
};

const num = (t: Token | undefined): number | undefined => (t && /^\d{1,4}$/.test(t.plain) ? Number(t.plain) : undefined);

// Numbers that carry risk: a count of tablets (10 or more), a blood-pressure reading of 160
// systolic or 100 diastolic and above ("180/110", "175 over 105"), a resting pulse of 120 or more.
function numberHits(tokens: readonly Token[]): Hit[] {
  const hits: Hit[] = [];
  tokens.forEach((token, i) => {
    const value = num(token);
    if (value === undefined) return;
    const at = (concept: string, canonical: string, end = i): void => void hits.push({ concept, canonical, start: i, end });
    if (value >= 10 && value <= 500) at('quantity', 'a count of tablets');
    if (value >= 120 && value <= 250) at('fast-pulse', 'pulse of 120 or more');
    const over = ['over', 'sobre'].includes(tokens[i + 1]?.plain ?? '') ? 2 : 1;
    const low = num(tokens[i + over]);
    if (value >= 90 && value <= 260 && low !== undefined && low >= 40 && low <= 160 && (value >= 160 || low >= 100)) {
      at('reading', 'reading 160/100 or more', i + over);
    }
    // Spanish readings are often in cmHg: "18/11" is 180/110.
    if (value >= 16 && value <= 30 && low !== undefined && low >= 8 && low <= 20) at('reading-cm', 'reading 16/10 or more', i + over);
  });
  return hits;
}

// Spanish joins the pronoun to the verb: "cortarme", "matarme", "lastimarme" name the speaker.
// "despertarla", "moverlo" name someone else.
function suffixHits(tokens: readonly Token[]): Hit[] {
  return tokens.flatMap((t): Hit[] => {
    const at = { start: t.index, end: t.index, lang: 'es' as const };
    if (/(ar|er|ir)me$/.test(t.plain)) return [{ concept: 'reflexive', canonical: 'me', ...at }, { concept: 'self', canonical: 'me', ...at }];
    return /(ar|er|ir)(la|lo)$/.test(t.plain) ? [{ concept: 'other', canonical: 'la', ...at }] : [];
  });
}
