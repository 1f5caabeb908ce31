import type { Hit } from './lexicon.ts';

// The families of RISK.md, as combinations of concepts found within a window of words. A rule
// fires when every group of `needs` has a hit (any concept of the group), all within `window`
// tokens and not overlapping. `says` opens the evidence a nurse reads ("means: rope, thinking about").
export type Level = 'urgent' | 'attention';
export interface Rule {
  family: string; level: Level; says: string; needs: string[][]; window?: number; unless?: string[]; plan?: 'cessation'; notPlan?: 'cessation'; weak?: boolean; notQuestion?: boolean;
}

const u = (family: string, says: string, needs: string[][], extra: Partial<Rule> = {}): Rule => ({ family, level: 'urgent', says, needs, ...extra });
const a = (family: string, says: string, needs: string[][], extra: Partial<Rule> = {}): Rule => ({ family, level: 'attention', says, needs, ...extra });
const weapon = ['means-weapon', 'means-height'];

export const RULES: readonly Rule[] = [
  u('active-ideation', 'suicidal thoughts', [['suicide']]),
  u('active-ideation', 'self-reference + kill', [['kill-verb'], ['reflexive']], { window: 3 }),
  u('passive-ideation', 'death wish', [['death-wish']]),
  u('passive-ideation', 'wish to be gone for good', [['want', 'intent-strong'], ['forever']], { window: 6 }),
  u('passive-ideation', 'self-reference + despair', [['despair'], ['self']]),
  u('passive-ideation', 'despair', [['despair'], ['despair']], { window: 12 }),
  u('passive-ideation', 'feels close to death', [['dying-now']]),
  u('method', 'means', [weapon, ['means-act']], { window: 7 }),
  u('method', 'means', [weapon, ['self'], ['die-verb', 'kill-verb', 'harm-verb', 'despair', 'want', 'intent-strong']]),
  // A question about one's usual doses ("how many pills do I take?") is not a method; with any other cue it still is.
  u('method', 'means', [['means-drug', 'sedative'], ['quantity']], { window: 6, notQuestion: true }),
  u('method', 'means', [['means-drug'], ['means-act']], { window: 5, unless: ['mild'], notQuestion: true }),
  u('method', 'means', [['means-weapon']], { window: 0 }),
  u('intent-plan', 'intent + time', [['intent-strong'], ['time']], { window: 10, unless: ['errand'] }),
  u('intent-plan', 'intent + time', [['intent-strong', 'want'], ['kill-verb', 'suicide', 'die-verb', 'overdose'], ['time']], { window: 10 }),
  u('intent-plan', 'final words', [['finality']]),
  u('intent-plan', 'a plan made', [['plan-made']]),
  u('preparatory', 'stockpiling', [['stockpile'], ['means-drug', 'sedative']]),
  u('preparatory', 'getting the means', [['acquire'], ['means-weapon']], { window: 5 }),
  u('preparatory', 'farewell', [['farewell'], ['affairs', 'affairs-strong', 'sorry-ahead', 'finality', 'despair', 'self']], { window: 12 }),
  u('preparatory', 'putting affairs in order', [['affairs-strong']]),
  u('preparatory', 'apology for what is coming', [['sorry-ahead'], ['affairs-strong', 'affairs']], { window: 12 }),
  u('preparatory', 'apology for what is coming', [['sorry-ahead'], ['sorry-ahead', 'farewell', 'self', 'affairs']], { window: 10 }),
  u('suicide-act', 'overdose', [['overdose']]),
  u('suicide-act', 'medication taken in quantity', [['took'], ['quantity'], ['means-drug', 'sedative']], { window: 8 }),
  u('suicide-act', 'means taken', [['took'], ['means-weapon']], { window: 5 }),
  u('suicide-act', 'attempt', [['attempt']]),
  u('suicide-act', 'survived an attempt', [['survived'], ['means-act', 'took', 'tried', 'harm-verb', 'cut-verb', 'overdose', 'means-weapon', 'means-height']], { window: 8 }),
  u('suicide-act', 'attempt', [['tried'], ['kill-verb', 'die-verb', 'suicide', 'means-act', 'intent-strong', 'cut-verb']], { window: 4 }),
  u('self-harm', 'self-harm', [['self-harm']]),
  u('self-harm', 'self-harm', [['harm-verb', 'cut-verb'], ['reflexive']], { window: 3 }),
  u('self-harm', 'self-harm', [['harm-verb', 'cut-verb'], ['body-site'], ['self']], { window: 6 }),
  u('self-harm', 'self-harm on purpose', [['harm-verb', 'cut-verb', 'means-act'], ['on-purpose']], { window: 10 }),
  u('self-harm', 'self-harm, again', [['cut-verb'], ['again', 'want']], { window: 4 }),
  u('breathing', 'breathing', [['breath'], ['difficulty']], { window: 6 }),
  u('breathing', 'breathing', [['suffocate']]),
  u('breathing', 'colour', [['colour']]),
  u('consciousness', 'consciousness', [['unresponsive']]),
  u('consciousness', 'seizure', [['seizure']]),
  u('chest-heart', 'chest pain', [['chest'], ['pain']], { window: 5 }),
  u('chest-heart', 'heart attack', [['heart-attack']]),
  u('chest-heart', 'heart stopping', [['heart'], ['heart-stop']], { window: 4 }),
  u('chest-heart', 'heart rhythm + dizziness', [['heart', 'palpitations'], ['racing'], ['dizzy', 'chest']], { window: 10 }),
  u('stroke', 'stroke signs', [['stroke-part'], ['stroke-sign']], { window: 6 }),
  u('stroke', 'stroke signs', [['stroke-part'], ['stroke-weak'], ['sudden-side']], { window: 7 }),
  u('stroke', 'stroke signs', [['stroke-alone']]),
  u('dangerous-mixing', 'dangerous mixing', [['sedative'], ['alcohol']], { window: 14 }),
  u('dangerous-mixing', 'dangerous mixing', [['sedative'], ['treatment', 'sedative'], ['consumed']], { window: 14 }),
  u('dangerous-mixing', 'dangerous mixing', [['alcohol'], ['treatment'], ['consumed']], { window: 14 }),
  u('dangerous-mixing', 'more ketamine than the treatment', [['more'], ['ketamine']], { window: 5, notPlan: 'cessation' }),
  u('known-phrase', 'crisis words', [['known-crisis']]),
  a('fainting-falls', 'fainting or a fall', [['faint', 'collapse']]),
  a('perceptual-persisting', 'persisting perceptual effects', [['perceive']]),
  a('urinary', 'urinary', [['urine'], ['urine-problem']], { window: 6 }),
  a('urinary', 'urinary', [['urine-own']]),
  a('vomiting', 'vomiting', [['vomit']]),
  a('severe-headache', 'severe headache', [['headache'], ['severe']], { window: 8 }),
  a('blood-pressure', 'blood pressure', [['blood-pressure'], ['high', 'reading']], { window: 6 }),
  a('blood-pressure', 'blood pressure', [['reading']]),
  a('blood-pressure', 'blood pressure', [['blood-pressure'], ['reading-cm']], { window: 6 }),
  a('blood-pressure', 'heart racing', [['palpitations']]),
  a('blood-pressure', 'heart racing', [['heart'], ['racing', 'fast-pulse']], { window: 4 }),
  a('panic-anxiety', 'panic', [['panic']]),
  a('panic-anxiety', 'severe anxiety', [['anxiety']], { unless: ['mild'] }),
  a('no-sleep', 'no sleep', [['sleep-loss']]),
  a('relapse-craving', 'relapse or cravings', [['relapse']]),
  a('relapse-craving', 'relapse', [['use-again']], { plan: 'cessation' }),
  a('known-phrase', 'symptom words', [['known-symptom']]),
  // Weak signals: a human looks within minutes rather than the reply waiting for review.
  a('passive-ideation', 'possible despair', [['despair']], { weak: true }),
  a('passive-ideation', 'death words about oneself', [['die-verb', 'kill-verb'], ['self']], { window: 3, weak: true }),
  a('preparatory', 'possible farewell', [['farewell', 'sorry-ahead']], { weak: true, unless: ['see-you'] }),
  a('method', 'means mentioned', [['means-weapon']], { weak: true }),
  a('self-harm', 'possible self-harm', [['cut-verb'], ['self']], { window: 3, weak: true }),
  a('stroke', 'weakness or numbness', [['stroke-part'], ['stroke-weak']], { window: 5, weak: true }),
];

export interface Finding { rule: Rule; hits: Hit[] }

// Hits by concept, sorted by position, for the rule search.
export function applyRules(hits: readonly Hit[], context: { plan?: 'session' | 'cessation'; tokens: number; question: boolean }): Finding[] {
  const byConcept = new Map<string, Hit[]>();
  for (const hit of hits) byConcept.set(hit.concept, [...(byConcept.get(hit.concept) ?? []), hit]);
  const present = (c: string) => byConcept.has(c);
  const findings: Finding[] = [];
  for (const rule of RULES) {
    if (rule.plan && rule.plan !== context.plan) continue;
    if (rule.notPlan && rule.notPlan === context.plan) continue;
    if (rule.notQuestion && context.question) continue;
    if (rule.unless?.some(present)) continue;
    // window 0: the whole reply is the cue (an emoji or a word on its own).
    if (rule.window === 0 && context.tokens > 3) continue;
    const found = search(rule, byConcept);
    if (found) findings.push({ rule, hits: found });
  }
  return findings;
}

function search(rule: Rule, byConcept: ReadonlyMap<string, Hit[]>): Hit[] | undefined {
  const window = rule.window === 0 || rule.window === undefined ? 8 : rule.window;
  const groups = rule.needs.map((group) => group.flatMap((c) => byConcept.get(c) ?? []));
  if (groups.some((g) => g.length === 0)) return undefined;
  const pick = (k: number, chosen: Hit[]): Hit[] | undefined => {
    if (k === groups.length) return chosen;
    for (const hit of groups[k] ?? []) {
      if (chosen.some((c) => hit.start <= c.end && c.start <= hit.end)) continue;
      const all = [...chosen, hit];
      const span = Math.max(...all.map((h) => h.end)) - Math.min(...all.map((h) => h.start));
      if (span > window) continue;
      const done = pick(k + 1, all);
      if (done) return done;
    }
    return undefined;
  };
  return pick(0, []);
}
