import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyReply } from '../../core/classify-reply.ts';
import { CRISIS_PHRASES, OPT_OUT_KEYWORDS, OPT_OUT_KEYWORDS_ES } from '../../core/reply-words.ts';

const numRuns = 300;

// Any text at all: full unicode, lone surrogates, control characters.
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
);

const randomCase = (text: string) =>
  fc.array(fc.boolean(), { minLength: text.length, maxLength: text.length }).map((upper) =>
    [...text].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join(''),
  );

// One concrete wording of a listed phrase: one alternative per word ("kill/killing myself~").
const crisisWording = fc.constantFrom(...CRISIS_PHRASES).chain((phrase) => {
  const words = phrase.split(' ').map((word) => word.replace(/~/g, '').split('/'));
  return fc
    .tuple(...words.map((alternatives) => fc.constantFrom(...alternatives)))
    .map((chosen) => chosen.join(' '))
    .chain(randomCase);
});

const whitespace = fc.array(fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0'), { maxLength: 4 }).map((s) => s.join(''));

describe('classifyReply properties', () => {
  it('never throws and always returns a known class', () => {
    fc.assert(
      fc.property(anyText, fc.boolean(), (text, checkinOpen) => {
        const result = classifyReply(text, { checkinOpen });
        expect(['opt-out', 'opt-in', 'help', 'crisis', 'score', 'symptom', 'other']).toContain(result.kind);
        if (result.kind === 'score') expect(result.score).toBeGreaterThanOrEqual(1);
      }),
      { numRuns },
    );
  });

  it('classifies any text with a listed crisis phrase in it as crisis, urgent', () => {
    fc.assert(
      fc.property(anyText, crisisWording, anyText, fc.boolean(), (prefix, phrase, suffix, checkinOpen) => {
        const result = classifyReply(`${prefix} ${phrase} ${suffix}`, { checkinOpen });
        expect(result).toMatchObject({ kind: 'crisis', level: 'urgent' });
      }),
      { numRuns },
    );
  });

  it('classifies a whole-message opt-out keyword in any case with any surrounding whitespace as opt-out', () => {
    const keyword = fc.constantFrom(...OPT_OUT_KEYWORDS, ...OPT_OUT_KEYWORDS_ES).chain(randomCase);
    fc.assert(
      fc.property(whitespace, keyword, whitespace, fc.boolean(), (before, word, after, checkinOpen) => {
        expect(classifyReply(`${before}${word}${after}`, { checkinOpen })).toEqual({
          kind: 'opt-out',
          level: 'none',
          keyword: word.toUpperCase(),
        });
      }),
      { numRuns },
    );
  });

  it('gives a score only while a check-in is open, and only 1 to 5', () => {
    fc.assert(
      fc.property(fc.integer({ min: -20, max: 200 }), (n) => {
        expect(classifyReply(String(n), { checkinOpen: false }).kind).toBe('other');
        const open = classifyReply(String(n), { checkinOpen: true });
        expect(open.kind).toBe(n >= 1 && n <= 5 ? 'score' : 'other');
      }),
      { numRuns },
    );
  });
});
