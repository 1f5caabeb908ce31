import { DateTime, Duration } from 'luxon';
import { describe, expect, it } from 'vitest';
import { ladderRound, nextRung, rungsOf, type EscalationKind, type LadderContact } from '../../core/escalation.ts';

// The ladder: who hears about an escalation in each round, how, and when again. Nobody acknowledges here.

const now = DateTime.fromISO('2026-03-01T12:00:00Z');
const nurse: LadderContact = { phone: '+15550002222', email: 'oncall@example.org' };
const director: LadderContact = { phone: '+15550003333', email: 'md@example.org' };
const manager: LadderContact = { phone: '+15550004444', email: 'manager@example.org' };

function at(kind: EscalationKind, minutes: number, round: number, lastResort: LadderContact | null = manager, contacts = [nurse, director]) {
  return ladderRound({ kind, round, sinceRaised: Duration.fromObject({ minutes }), contacts, lastResort: lastResort ?? undefined, renotifyAfter: 'PT5M', nextContactAfter: 'PT15M', now });
}
const who = (r: ReturnType<typeof ladderRound>) => r.recipients.map((x) => x.who);
const inMinutes = (r: ReturnType<typeof ladderRound>) => r.nextRoundAt && r.nextRoundAt.diff(now).as('minutes');

describe('an attention or unreachable escalation', () => {
  it.each([
    ['the first contact, reminded after renotifyAfter', 0, 1, [0], 5, false],
    ['the reminder, then the next contact when nextContactAfter comes', 5, 2, [0], 10, false],
    ['the second contact at 15 minutes', 15, 3, [1], 5, false],
    ['the second contact reminded', 20, 4, [1], 10, false],
    ['the last resort at 30 minutes', 30, 5, ['last-resort'], 5, false],
    ['the last resort again once the ladder ran out, every renotifyAfter', 45, 7, ['last-resort'], 5, true],
    ['still, hours later', 600, 40, ['last-resort'], 5, true],
  ] as const)('reaches %s', (_what, minutes, round, recipients, next, exhausted) => {
    for (const kind of ['attention', 'unreachable'] as const) {
      const r = at(kind, minutes, round);
      expect(who(r)).toEqual(recipients);
      expect(r.recipients.every((x) => x.channels.join() === 'sms,email')).toBe(true);
      expect(inMinutes(r)).toBe(next);
      expect(r.exhausted).toBe(exhausted);
    }
  });

  it('keeps re-notifying the last contact when the clinic has no last resort', () => {
    const r = at('attention', 45, 6, null);
    expect(who(r)).toEqual([1]);
    expect(r.exhausted).toBe(true);
    expect(inMinutes(r)).toBe(5);
  });
});

describe('an urgent escalation', () => {
  it.each([
    [0, [0], false],
    [10, [0], false],
    [15, [1], false],
    [30, ['last-resort'], false],
    [45, [0, 1, 'last-resort'], true],
    [300, [0, 1, 'last-resort'], true],
  ] as const)('at %i minutes goes to %j, every renotifyAfter', (minutes, recipients, exhausted) => {
    const r = at('urgent', minutes, Math.floor(minutes / 5) + 1);
    expect(who(r)).toEqual(recipients);
    expect(r.exhausted).toBe(exhausted);
    expect(inMinutes(r)).toBe(5);
  });
});

describe('a clinic whose nextContactAfter is zero', () => {
  it('keeps notifying the first contact every renotifyAfter, never at once', () => {
    const r = ladderRound({ kind: 'attention', round: 3, sinceRaised: Duration.fromObject({ minutes: 12 }), contacts: [nurse, director],
      renotifyAfter: 'PT5M', nextContactAfter: 'PT0S', now });
    expect(who(r)).toEqual([0]);
    expect(inMinutes(r)).toBe(5);
  });
});

describe('a review', () => {
  it('emails the first contact once', () => {
    const r = at('review', 0, 1);
    expect(r.recipients).toEqual([{ who: 0, channels: ['email'] }]);
    expect(r.nextRoundAt).toBeUndefined();
  });

  it('goes by SMS to a first contact without email rather than to nobody', () => {
    const r = at('review', 0, 1, null, [{ phone: nurse.phone }]);
    expect(r.recipients).toEqual([{ who: 0, channels: ['sms'] }]);
  });
});

describe('the ladder never goes quiet', () => {
  it('always has a next round for every kind but review, however long nobody answers', () => {
    for (const kind of ['urgent', 'attention', 'unreachable'] as const) {
      for (let minutes = 0; minutes < 24 * 60; minutes += 7) expect(at(kind, minutes, 2).nextRoundAt).toBeDefined();
    }
  });
});

describe('moving on from a contact who cannot be reached', () => {
  it('goes to the next rung nobody was told this round, and to nobody once all were', () => {
    const rungs = rungsOf([nurse, director], manager);
    expect(nextRung(rungs, 0, [0])).toBe(1);
    expect(nextRung(rungs, 1, [0, 1])).toBe('last-resort');
    expect(nextRung(rungs, 0, [0, 1])).toBe('last-resort');
    expect(nextRung(rungs, 'last-resort', [0, 1, 'last-resort'])).toBeUndefined();
  });
});
