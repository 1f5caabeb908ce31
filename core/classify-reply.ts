import {
  CRISIS_PHRASES, FUZZY_EXCLUSIONS, HELP_KEYWORDS, NUMBER_WORDS, OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS,
  OPT_OUT_KEYWORDS_ES, QUANTITY_WORDS, SCORE_CUE_WORDS, SCORE_LEAD_WORDS, SCORE_TRAIL_WORDS, SYMPTOM_PHRASES,
  TIME_WORDS,
} from './reply-words.ts';

export type Score = 1 | 2 | 3 | 4 | 5;
export type ReplyClass =
  | { kind: 'opt-out'; level: 'none'; keyword: string }
  | { kind: 'opt-in'; level: 'none'; keyword: string }
  | { kind: 'help'; level: 'none'; keyword: string }
  | { kind: 'crisis'; level: 'urgent'; matched: string }
  | { kind: 'score'; level: 'attention' | 'none'; score: Score }
  | { kind: 'symptom'; level: 'attention'; matched: string }
  | { kind: 'other'; level: 'review' };
export type ReplyContext = { checkinOpen: boolean };

// Order per DESIGN.md "Replies and escalation", except that crisis is checked first: keywords
// are whole messages, so no keyword can hide crisis words, and crisis must win over all else.
export function classifyReply(text: string, context: ReplyContext): ReplyClass {
  const words = toWords(text);
  const crisis = findPhrase(words, crisisPhrases);
  if (crisis) return { kind: 'crisis', level: 'urgent', matched: crisis.canonical };
  const keyword = findKeyword(words);
  if (keyword) return keyword;
  // A serious symptom outranks a score given alongside it ("3 but I fainted").
  const symptom = findPhrase(words, symptomPhrases);
  if (symptom) return { kind: 'symptom', level: 'attention', matched: symptom.canonical };
  if (context.checkinOpen) {
    const score = findScore(text);
    if (score !== undefined) return { kind: 'score', level: score <= 2 ? 'attention' : 'none', score };
  }
  return { kind: 'other', level: 'review' };
}

// Staff acknowledge an escalation by SMS: "ACK 4821", "ack #4821", "Ack: ab12cd".
const ACK_PATTERN = /^ack\s*[:#-]?\s*#?\s*([a-z0-9]{4,8})(?![a-z0-9])/i;
export function parseAck(text: string): string | undefined {
  return ACK_PATTERN.exec(text.normalize('NFKC').trim())?.[1]?.toUpperCase();
}

// --- normalising -------------------------------------------------------------------------

// Lower-case, accents off ("daño" -> "dano"), curly quotes straight, full-width letters plain.
function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/\p{M}/gu, '')
    .replace(/[\u2018\u2019\u201B\u2032\u00B4\u0060\u02BC]/g, "'")
    .replace(/[\u201C\u201D\u201E\u2033]/g, '"');
}

// "killll" and "kil" both become "kil": stretched words and a dropped double letter match.
const squeeze = (word: string): string => word.replace(/([a-z])\1+/g, '$1');

// Words for phrase matching: apostrophes dropped ("can't" -> "cant"); emoji, punctuation and
// anything outside a-z 0-9 become spaces.
function toWords(text: string): string[] {
  const plain = foldText(text).replace(/'/g, '').replace(/[^a-z0-9]+/g, ' ').trim();
  return plain === '' ? [] : plain.split(' ').map(squeeze);
}

// --- keywords ----------------------------------------------------------------------------

type KeywordClass = Extract<ReplyClass, { keyword: string }>;
const keywords = new Map<string, KeywordClass>();
for (const [kind, list] of [
  ['opt-out', [...OPT_OUT_KEYWORDS, ...OPT_OUT_KEYWORDS_ES]],
  ['opt-in', OPT_IN_KEYWORDS],
  ['help', HELP_KEYWORDS],
] as const) {
  for (const word of list) keywords.set(squeeze(word), { kind, level: 'none', keyword: word.toUpperCase() });
}

// The whole message is one keyword: "Stop.", " STOP ", "opt-out", "stop all", "stop stop".
function findKeyword(words: readonly string[]): KeywordClass | undefined {
  const joined = keywords.get(squeeze(words.join('')));
  if (joined) return joined;
  const first = words[0];
  return first !== undefined && words.every((w) => w === first) ? keywords.get(first) : undefined;
}

// --- phrases -----------------------------------------------------------------------------

type WordTest = { alternatives: readonly string[]; typo: boolean };
type Phrase = { canonical: string; words: readonly WordTest[]; joined: ReadonlySet<string> };

function compilePhrase(source: string): Phrase {
  const parts = source.split(' ');
  const words = parts.map((part) => ({
    typo: part.endsWith('~'),
    alternatives: part.replace(/~/g, '').split('/').map((alt) => toWords(alt).join('')),
  }));
  const canonical = parts.map((part) => part.replace(/~/g, '').split('/')[0]).join(' ');
  // A phrase typed without spaces ("killmyself", "selfharm") is one word.
  let joined: string[] = [''];
  if (words.length > 1 && words.length <= 3) {
    for (const word of words) joined = joined.flatMap((head) => word.alternatives.map((alt) => head + alt));
  } else {
    joined = [];
  }
  return { canonical, words, joined: new Set(joined.map(squeeze)) };
}

const crisisPhrases = CRISIS_PHRASES.map(compilePhrase);
const symptomPhrases = SYMPTOM_PHRASES.map(compilePhrase);
const typoExclusions = new Set(FUZZY_EXCLUSIONS);

function findPhrase(words: readonly string[], phrases: readonly Phrase[]): Phrase | undefined {
  for (const phrase of phrases) {
    const head = phrase.words[0];
    if (!head) continue;
    for (let i = 0; i < words.length; i++) {
      const word = words[i] ?? '';
      if (phrase.joined.has(word)) return phrase;
      if (wordMatches(word, head) && restMatches(words, i, phrase, 1)) return phrase;
    }
  }
  return undefined;
}

// The next phrase word may follow at once or after one extra word ("want to just die").
function restMatches(words: readonly string[], at: number, phrase: Phrase, k: number): boolean {
  const test = phrase.words[k];
  if (!test) return true;
  for (const next of [at + 1, at + 2]) {
    const word = words[next];
    if (word !== undefined && wordMatches(word, test) && restMatches(words, next, phrase, k + 1)) return true;
  }
  return false;
}

function wordMatches(word: string, test: WordTest): boolean {
  if (test.alternatives.includes(word)) return true;
  if (!test.typo || word.length < 4 || typoExclusions.has(word)) return false;
  return test.alternatives.some((alt) => alt.length >= 5 && withinOneEdit(word, alt));
}

// One insertion, deletion, substitution or swap of neighbours ("suicidel", "siezure").
function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return short.slice(i) === long.slice(i + 1);
}

// --- scores ------------------------------------------------------------------------------

const leadWords = new Set(SCORE_LEAD_WORDS);
const cueWords = new Set(SCORE_CUE_WORDS);
const trailWords = new Set(SCORE_TRAIL_WORDS);
const quantityWords = new Set(QUANTITY_WORDS);
const timeWords = new Set(TIME_WORDS);

// Tokens for numbers: "3.5", "2-3", "3:30" and "-1" stay one non-number token; "/" is its own token.
function toScoreTokens(text: string): string[] {
  const plain = foldText(text)
    .replace(/'/g, '')
    .replace(/[\u2044\u2215]/g, '/')
    .replace(/(\d)\s*[.,:\-\u2013]\s*(?=\d)/g, '$1_')
    .replace(/(^|\s)[-\u2212](?=\d)/g, '$1_')
    .replace(/\//g, ' / ')
    .replace(/[^a-z0-9_/]+/g, ' ')
    .trim();
  return plain === '' ? [] : plain.split(' ');
}

function numberValue(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  return /^\d{1,6}$/.test(token) ? Number(token) : NUMBER_WORDS[token];
}

// "2/5", "1 out of 5", "3 de 5" -> 'five'; "7/10", "2 de la tarde" -> 'other'.
function scale(tokens: readonly string[], at: number): 'five' | 'other' | 'none' {
  let j = at;
  if (tokens[j] === 'out' && tokens[j + 1] === 'of') j += 2;
  else if (['/', 'of', 'de', 'sobre'].includes(tokens[j] ?? '')) j += 1;
  else return 'none';
  return numberValue(tokens[j]) === 5 ? 'five' : 'other';
}

// The first number that reads as the reply's rating; undefined when none does or it is not 1..5.
function findScore(text: string): Score | undefined {
  const tokens = toScoreTokens(text);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    const value = numberValue(token);
    if (value === undefined) continue;
    const outOf = scale(tokens, i + 1);
    if (outOf === 'other' || (outOf === 'none' && quantityWords.has(tokens[i + 1] ?? ''))) continue;
    const prev = tokens[i - 1];
    const lead = tokens.slice(0, i).every((t) => leadWords.has(t));
    const cued = prev !== undefined && cueWords.has(prev);
    const last = tokens.slice(i + 1).every((t) => trailWords.has(t));
    // "one", "dos" are common words, so a rating in words must stand (nearly) alone.
    const rating = /^\d+$/.test(token)
      ? outOf === 'five' || lead || cued || (last && !timeWords.has(prev ?? ''))
      : outOf === 'five' || ((lead || cued) && last);
    if (rating) return isScore(value) ? value : undefined;
  }
  return undefined;
}

const isScore = (n: number): n is Score => Number.isInteger(n) && n >= 1 && n <= 5;
