import { describe, expect, it } from 'vitest';
import { classifyReply } from '../../core/classify-reply.ts';

// RISK.md: a check-in score of 1 or 2 in any format is attention, and a score alone never pages as urgent.
describe('a low check-in score in the formats people text', () => {
  const open = { checkinOpen: true };
  it.each(['bad week. 2', 'about a 1.5 honestly', 'dos, dia duro', 'one. sorry', 'a 2, just blah'])('reads "%s" as a low score for a clinician', (text) => {
    const result = classifyReply(text, open);
    expect(result.level).toBe('attention');
    expect(result.kind).toBe('score');
  });

  it('keeps a half above the low range for review, as before', () => {
    expect(classifyReply('3.5', open)).toEqual({ kind: 'other', level: 'review' });
  });
});
