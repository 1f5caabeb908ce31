import { describe, expect, it } from 'vitest';
import { classifyReply } from '../../core/classify-reply.ts';
import { escalationFor } from '../../core/escalation.ts';

const open = { checkinOpen: true };
const closed = { checkinOpen: false };

describe('every inflection of a risk verb', () => {
  it.each(['i cut myself', 'i keep cutting myself', 'cuttinggg again', 'me corté anoche', 'quiero cortarme las venas', 'me estoy cortando otra vez'])(
    'reads %j as self-harm, urgent',
    (text) => {
      expect(classifyReply(text, closed)).toMatchObject({ kind: 'crisis', level: 'urgent', subject: 'self' });
    },
  );

  it.each(['im thinkin about sucide', 'i overdosed', 'i od\'d', 'kms', 'sewerslide', 'i want to unalive', 'ctb tonight', '🪢', '🔫'])(
    'reads the misspelling, slang or emoji %j as urgent',
    (text) => {
      expect(classifyReply(text, closed).kind).toBe('crisis');
    },
  );
});

describe('families the phrase list missed', () => {
  it.each([
    ['i have a rope in the closet', /^means: rope/],
    ['i keep looking at my dads gun', /^means: gun/],
    ['i took all my pills', /medication taken in quantity|means/],
    ['i feel like such a burden', /despair/],
    ['i wish i could just not wake up', /death wish/],
    ['i wrote my goodbye notes', /farewell/],
    ['ive been stockpiling my meds', /stockpiling/],
  ])('%j is urgent with the evidence %s', (text, evidence) => {
    const reply = classifyReply(text, closed);
    expect(reply.kind).toBe('crisis');
    expect(reply.kind === 'crisis' && reply.evidence.some((e) => evidence.test(e))).toBe(true);
  });

  it.each(['it hurts when i pee and theres blood', 'still hearing voices days later', 'my heart is racing', 'havent slept in 3 days'])(
    'raises the symptom %j to attention',
    (text) => {
      expect(classifyReply(text, closed)).toMatchObject({ kind: 'symptom', level: 'attention' });
    },
  );
});

describe("someone else's emergency", () => {
  it.each(["he's not breathing", 'my husband says his chest hurts', "i can't wake her up", 'mi hijo casi no respira', 'se le torció la boca y no puede hablar bien'])(
    'reads %j as urgent, about someone else',
    (text) => {
      expect(classifyReply(text, closed)).toMatchObject({ kind: 'crisis', level: 'urgent', subject: 'other' });
    },
  );

  it('tells staff the sender reported it, with the cue and without the reply', () => {
    const text = "he's barely breathing since the session and his lips are blue";
    const reply = classifyReply(text, closed);
    const wanted = escalationFor(reply);
    expect(wanted?.kind).toBe('urgent');
    expect(wanted?.reason).toMatch(/^replied with crisis language about someone else \(reported by the sender; .*breathing/);
    expect(wanted?.reason).not.toContain(text);
    expect(wanted?.reason).not.toContain('since the session');
  });
});

describe('idioms and jokes', () => {
  it.each(["I'd kill for a coffee", 'my phone died', 'that workout killed me', 'me muero de hambre', 'este calor me mata', 'got my hair cut'])(
    'leaves the idiom %j to review',
    (text) => {
      expect(classifyReply(text, closed)).toEqual({ kind: 'other', level: 'review' });
    },
  );

  it('lowers nothing when another risk cue is there', () => {
    expect(classifyReply('my phone died and honestly i want to die', closed).kind).toBe('crisis');
  });

  it.each(['should just die to be honest', 'i should just die to', 'honestly i wanna die to be real'])(
    'keeps a crisis phrase that runs into an idiom\'s words: %j',
    (text) => {
      expect(classifyReply(text, closed).kind).toBe('crisis');
    },
  );

  it.each(["i'm not going to kill myself lol", 'jk i want to die haha', 'no me quiero matar'])('does not let a negation or a joke cancel %j', (text) => {
    expect(classifyReply(text, closed).kind).toBe('crisis');
  });
});

describe('cessation plans', () => {
  it('raises a relapse to attention during a cessation plan', () => {
    expect(classifyReply('i used again last night', { checkinOpen: true, plan: 'cessation' })).toMatchObject({ kind: 'symptom', level: 'attention' });
    expect(classifyReply('volví a consumir', { checkinOpen: false, plan: 'cessation' })).toMatchObject({ kind: 'symptom', level: 'attention' });
  });

  it('raises cravings to attention in any plan', () => {
    expect(classifyReply('cravings are really bad', open)).toMatchObject({ kind: 'symptom', level: 'attention' });
  });
});

describe('stop in plain words', () => {
  it.each(['please stop texting me', 'no more messages', 'take me off the list', 'ya no me manden mensajes', 'dejen de escribirme'])(
    'opts %j out',
    (text) => {
      expect(classifyReply(text, open)).toEqual({ kind: 'opt-out', level: 'none', keyword: 'STOP (in words)' });
    },
  );

  it.each([["I can't stop throwing up", 'symptom'], ['make the pain stop, i want to die', 'crisis'], ['stop texting me, i am going to kill myself', 'crisis']])(
    'never opts out on "stop" inside a crisis or symptom: %j',
    (text, kind) => {
      expect(classifyReply(text, open).kind).toBe(kind);
    },
  );

  it('leaves a request to change the time of texts to staff', () => {
    expect(classifyReply('can you stop texting me so early', open)).toEqual({ kind: 'other', level: 'review' });
  });
});
