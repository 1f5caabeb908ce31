import { NUMBER_WORDS, QUANTITY_WORDS, SCORE_CUE_WORDS, SCORE_LEAD_WORDS, SCORE_TRAIL_WORDS, TIME_WORDS } from './reply-words.ts';

// A check-in rating of 1 to 5 in a reply: a digit, a fraction of 5, a word, in English or Spanish.
export type Score = 1 | 2 | 3 | 4 | 5;

// Lower-case, accents off, curly quotes straight (the score reader keeps its own tokens).
const foldText = (text: string): string =>
  text.normalize('NFKD').toLowerCase().replace(/\p{M}/gu, '').replace(/[\u2018\u2019\u201B\u2032\u00B4\u0060\u02BC]/g, "'");

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
    // A comma after a number ends it: "2, day from hell" is a 2, not two days.
    .replace(/,/g, ' , ')
    .replace(/[^a-z0-9_/,]+/g, ' ')
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
export function findScore(text: string): Score | undefined {
  const tokens = toScoreTokens(text);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    const value = numberValue(token);
    if (value === undefined) continue;
    const outOf = scale(tokens, i + 1);
    if (outOf === 'other' || (outOf === 'none' && quantityWords.has(tokens[i + 1] ?? ''))) continue;
    const words = (list: readonly string[]) => list.filter((t) => t !== ',');
    const prev = tokens[i - 1];
    const lead = words(tokens.slice(0, i)).every((t) => leadWords.has(t));
    const cued = prev !== undefined && cueWords.has(prev);
    const last = words(tokens.slice(i + 1)).every((t) => trailWords.has(t));
    // "one", "dos" are common words, so a rating in words must stand (nearly) alone.
    const rating = /^\d+$/.test(token)
      ? outOf === 'five' || lead || cued || (last && !timeWords.has(prev ?? ''))
      : outOf === 'five' || ((lead || cued) && last);
    if (rating) return isScore(value) ? value : undefined;
  }
  return undefined;
}

const isScore = (n: number): n is Score => Number.isInteger(n) && n >= 1 && n <= 5;
