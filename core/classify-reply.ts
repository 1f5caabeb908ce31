import { findScore, type Score } from './reply-score.ts';
import { HELP_KEYWORDS, OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS, OPT_OUT_KEYWORDS_ES } from './reply-words.ts';
import { assessRisk, type Assessment } from './risk/assess-risk.ts';
import { RISK_MODEL } from './risk/model-data.ts';
import { features, loadClassifier } from './risk/risk-model.ts';
import type { Finding } from './risk/risk-rules.ts';
import { asksToStart, asksToStop } from './risk/consent-in-words.ts';
import { subjectOf } from './risk/subject.ts';

export type { Score } from './reply-score.ts';
type Evidence = { matched: string; evidence: string[]; subject: 'self' | 'other' };
export type ReplyClass =
  | { kind: 'opt-out'; level: 'none'; keyword: string }
  | { kind: 'opt-in'; level: 'none'; keyword: string }
  | { kind: 'help'; level: 'none'; keyword: string }
  | ({ kind: 'crisis'; level: 'urgent' } & Evidence)
  | { kind: 'score'; level: 'attention' | 'none'; score: Score }
  | ({ kind: 'symptom'; level: 'attention' } & Evidence)
  | { kind: 'other'; level: 'review' };
export type ReplyContext = { checkinOpen: boolean; plan?: 'session' | 'cessation' };

const classifier = loadClassifier(RISK_MODEL);
// Cross-validated on the training corpus (bin/train-replies.ts prints the check): above these
// the classifier alone raises a reply; a weaker urgent signal still reaches a human (attention).
export const CLASSIFIER_URGENT = 0.995;
export const CLASSIFIER_ATTENTION = 0.99;

// Crisis first and above all: a keyword or a "stop" inside a crisis reply never hides it. Then
// whole-message keywords, serious symptoms (they outrank a score: "3 but I fainted"), stop in
// plain words, the check-in score, and last the weak signals, which go to attention.
export function classifyReply(text: string, context: ReplyContext): ReplyClass {
  const risk = assessRisk(text, context.plan);
  const rules = (level: 'urgent' | 'attention', weak: boolean) => risk.findings.filter((f) => f.rule.level === level && !!f.rule.weak === weak);
  const p = classify(risk);
  const urgent = rules('urgent', false);
  if (urgent.length) return { kind: 'crisis', level: 'urgent', ...explain(urgent, risk, p.urgent) };
  if (p.urgent >= CLASSIFIER_URGENT && p.trusted) return { kind: 'crisis', level: 'urgent', ...fromClassifier(risk, p.urgent) };
  const keyword = findKeyword(text);
  if (keyword) return keyword;
  const attention = rules('attention', false);
  if (attention.length) return { kind: 'symptom', level: 'attention', ...explain(attention, risk, undefined) };
  if (asksToStop(text)) return { kind: 'opt-out', level: 'none', keyword: 'STOP (in words)' };
  if (asksToStart(text)) return { kind: 'opt-in', level: 'none', keyword: 'START (in words)' };
  if (context.checkinOpen) {
    const score = findScore(text);
    if (score !== undefined) return { kind: 'score', level: score <= 2 ? 'attention' : 'none', score };
  }
  const weak = rules('attention', true);
  if (weak.length) return { kind: 'symptom', level: 'attention', ...explain(weak, risk, undefined) };
  const signal = Math.max(p.urgent, p.attention);
  if (signal >= CLASSIFIER_ATTENTION && p.trusted) return { kind: 'symptom', level: 'attention', ...fromClassifier(risk, signal) };
  return { kind: 'other', level: 'review' };
}

// The classifier is not trusted alone on a reply whose only risk words were an idiom, nor on a
// reply of one or two words (a number, an emoji), which it has too little to judge. Alone, it
// calls a reply urgent only beside a risk word of the lexicon; otherwise its alarm is attention.
function classify(risk: Assessment) {
  const f = features(risk.reading, risk.hits, risk.masked);
  const riskCue = risk.hits.some((h) => !['self', 'other', 'other-verb', 'time', 'reflexive', 'mild'].includes(h.concept));
  return { ...classifier.probabilities(f), trusted: (!risk.idiom || riskCue) && risk.reading.tokens.length >= 3 };
}

const people = new Set(['self', 'other', 'reflexive']);
function explain(findings: readonly Finding[], risk: Assessment, urgentP: number | undefined): Evidence {
  const evidence = findings.map((f) => {
    const words = [...new Set(f.hits.filter((h) => !people.has(h.concept)).map((h) => h.canonical))];
    return words.length ? `${f.rule.says}: ${words.join(', ')}` : f.rule.says;
  });
  if (urgentP !== undefined && urgentP >= 0.5) evidence.push(`classifier ${urgentP.toFixed(2)}`);
  const first = findings[0];
  const cue = first?.hits.filter((h) => !people.has(h.concept)) ?? [];
  // Someone else's emergency when any deciding cue is about someone else.
  const subjects = findings.map((f) => {
    const own = f.hits.filter((h) => !people.has(h.concept));
    return subjectOf(own.length ? own : f.hits, risk.hits, f.rule.family, risk.reading.lang);
  });
  const subject = subjects.includes('other') ? 'other' : 'self';
  return { matched: cue[0]?.canonical ?? first?.rule.says ?? '', evidence: [...new Set(evidence)], subject };
}

function fromClassifier(risk: Assessment, p: number): Evidence {
  const cue = risk.hits.filter((h) => !people.has(h.concept));
  return { matched: 'classifier', evidence: [`classifier ${p.toFixed(2)}`], subject: subjectOf(cue, risk.hits, 'classifier', risk.reading.lang) };
}

// Staff acknowledge an escalation by SMS: "ACK 4821", "ack #4821", "Ack: ab12cd".
const ACK_PATTERN = /^ack\s*[:#-]?\s*#?\s*([a-z0-9]{4,8})(?![a-z0-9])/i;
export function parseAck(text: string): string | undefined {
  return ACK_PATTERN.exec(text.normalize('NFKC').trim())?.[1]?.toUpperCase();
}

type KeywordClass = Extract<ReplyClass, { keyword: string }>;
const POLITE = new Set(['please', 'pls', 'plz', 'porfa', 'porfavor', 'por', 'favor', 'thanks', 'thank', 'you', 'thx', 'gracias', 'now']);
const squeeze = (word: string): string => word.replace(/([a-z])\1+/g, '$1');
const keywords = new Map<string, KeywordClass>();
for (const [kind, list] of [
  ['opt-out', [...OPT_OUT_KEYWORDS, ...OPT_OUT_KEYWORDS_ES]],
  ['opt-in', OPT_IN_KEYWORDS],
  ['help', HELP_KEYWORDS],
] as const) {
  for (const word of list) keywords.set(squeeze(word), { kind, level: 'none', keyword: word.toUpperCase() });
}

// The whole message is one keyword: "Stop.", " STOP ", "opt-out", "stop all", "stop stop".
function findKeyword(text: string): KeywordClass | undefined {
  const folded = text.normalize('NFKD').toLowerCase().replace(/\p{M}/gu, '').replace(/'/g, '').replace(/[^a-z0-9]+/g, ' ').trim();
  const all = folded === '' ? [] : folded.split(' ').map(squeeze);
  // A stop or help with manners is still the keyword ("info please", "STOP thanks"); "yes thanks" answers a question.
  const polite = all.filter((w) => !POLITE.has(w));
  const bare = polite.length > 0 && polite.length < all.length ? matchKeyword(polite) : undefined;
  if (bare && bare.kind !== 'opt-in') return bare;
  return matchKeyword(all);
}

function matchKeyword(words: readonly string[]): KeywordClass | undefined {
  const joined = keywords.get(squeeze(words.join('')));
  if (joined) return joined;
  const first = words[0];
  return first !== undefined && words.every((w) => w === first) ? keywords.get(first) : undefined;
}
