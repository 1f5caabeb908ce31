import { describe, expect, it } from 'vitest';
import { classifyReply, parseAck } from '../../core/classify-reply.ts';
import type { ReplyClass } from '../../core/classify-reply.ts';

const open = { checkinOpen: true };
const closed = { checkinOpen: false };

const filler =
  'so the drive home was fine and my sister stayed with me all evening, we watched a movie and I ate some soup, ' +
  'the nausea went away after an hour or so and the cat kept sitting on my lap which was nice, honestly the session ' +
  'felt different from last week, more colourful and less scary, and I wrote some of it down in my journal like you said ';
const rambling = `${filler}but around midnight I started thinking I want to end my life and I could not stop thinking it, ${filler}`;
const ramblingOk = `${filler}${filler}anyway that is my update, talk soon`;

type Row = [text: string, checkinOpen: boolean, kind: ReplyClass['kind'], level: ReplyClass['level'], score?: number];

const table: Row[] = [
  // opt-out: whole-message keywords, any case, trailing punctuation and whitespace
  ['STOP', false, 'opt-out', 'none'],
  ['stop', true, 'opt-out', 'none'],
  ['Stop.', true, 'opt-out', 'none'],
  ['  STOP!!  ', false, 'opt-out', 'none'],
  ['StopAll', false, 'opt-out', 'none'],
  ['stop all', false, 'opt-out', 'none'],
  ['UNSUBSCRIBE', false, 'opt-out', 'none'],
  ['cancel', true, 'opt-out', 'none'],
  ['End', false, 'opt-out', 'none'],
  ['quit.', false, 'opt-out', 'none'],
  ['OPTOUT', false, 'opt-out', 'none'],
  ['opt-out', false, 'opt-out', 'none'],
  ['revoke', false, 'opt-out', 'none'],
  ['STOP 🛑', false, 'opt-out', 'none'],
  ['stooop', false, 'opt-out', 'none'],
  ['BAJA', false, 'opt-out', 'none'],
  ['Parar', false, 'opt-out', 'none'],
  ['cancelar.', false, 'opt-out', 'none'],
  // opt-in and help
  ['START', false, 'opt-in', 'none'],
  ['unstop', false, 'opt-in', 'none'],
  ['Yes', true, 'opt-in', 'none'],
  ['yes!', false, 'opt-in', 'none'],
  ['HELP', false, 'help', 'none'],
  ['info?', false, 'help', 'none'],
  ['Ayuda', false, 'help', 'none'],
  // keywords inside sentences are not keywords
  ['please stop sending at night', false, 'other', 'review'],
  ['can you stop texting me so early', true, 'other', 'review'],
  ['I need to cancel my appointment', false, 'other', 'review'],
  ['the end of the session was rough', false, 'other', 'review'],
  ['yes I got home ok', false, 'other', 'review'],
  ['help me understand the next dose', false, 'other', 'review'],
  // A bare polite stop is a stop (FCC revocation rule: any reasonable wording).
  ['stop please', false, 'opt-out', 'none'],
  ['I quit coffee this week', true, 'other', 'review'],
  // crisis wins over everything
  ['STOP i want to kill myself', false, 'crisis', 'urgent'],
  ['I want to kill myself', true, 'crisis', 'urgent'],
  ['i want to kil myself', false, 'crisis', 'urgent'],
  ['KILLLL MYSELFFFF', false, 'crisis', 'urgent'],
  ['killmyself', false, 'crisis', 'urgent'],
  ['feeling suicidel tonight', false, 'crisis', 'urgent'],
  ['Im having suicidal thoughts', true, 'crisis', 'urgent'],
  ['thinking about suicide', false, 'crisis', 'urgent'],
  ['not suicidal, just tired', true, 'crisis', 'urgent'],
  ['i just want to die 😞', false, 'crisis', 'urgent'],
  ['I dont want to be alive anymore', true, 'crisis', 'urgent'],
  ['I don’t want to live like this', false, 'crisis', 'urgent'],
  ['everyone would be better off without me', false, 'crisis', 'urgent'],
  ['honestly better off dead', false, 'crisis', 'urgent'],
  ['i want to end it all', false, 'crisis', 'urgent'],
  ['thinking of ending my life', false, 'crisis', 'urgent'],
  ['i took too many pills', false, 'crisis', 'urgent'],
  ['I think I overdosed', true, 'crisis', 'urgent'],
  ['did i overdoes??', false, 'crisis', 'urgent'],
  ['i cant breathe', true, 'crisis', 'urgent'],
  ['I can’t breathe properly', false, 'crisis', 'urgent'],
  ['having trouble breathing', false, 'crisis', 'urgent'],
  ['short of breath since noon', false, 'crisis', 'urgent'],
  ['3, chest pain though', true, 'crisis', 'urgent'],
  ['my chest feels really tight', false, 'crisis', 'urgent'],
  ['he had a seizure', false, 'crisis', 'urgent'],
  ['siezure earlier??', false, 'crisis', 'urgent'],
  ['she passed out and is not waking up', false, 'crisis', 'urgent'],
  ['he is unconscious', false, 'crisis', 'urgent'],
  ['i want to hurt myself', true, 'crisis', 'urgent'],
  ['been cutting again', false, 'crisis', 'urgent'],
  ['self-harm urges are back', false, 'crisis', 'urgent'],
  ['💀💀 kms 💀💀', false, 'crisis', 'urgent'],
  ['no quiero morir', false, 'crisis', 'urgent'],
  ['me quiero morir', true, 'crisis', 'urgent'],
  ['quiero suicidarme', false, 'crisis', 'urgent'],
  ['voy a matarme', false, 'crisis', 'urgent'],
  ['NO PUEDO RESPIRAR', false, 'crisis', 'urgent'],
  ['tengo dolor en el pecho', true, 'crisis', 'urgent'],
  ['tome demasiadas pastillas, sobredosis', false, 'crisis', 'urgent'],
  ['quiero hacerme daño', false, 'crisis', 'urgent'],
  ['pienso en quitarme la vida', false, 'crisis', 'urgent'],
  [rambling, true, 'crisis', 'urgent'],
  // scores, only while a check-in is open
  ['1', true, 'score', 'attention', 1],
  ['2', true, 'score', 'attention', 2],
  ['3', true, 'score', 'none', 3],
  ['5!', true, 'score', 'none', 5],
  [' 4 ', true, 'score', 'none', 4],
  ['2/5', true, 'score', 'attention', 2],
  ['1 out of 5', true, 'score', 'attention', 1],
  ['4 of 5', true, 'score', 'none', 4],
  ['a 2 today', true, 'score', 'attention', 2],
  ['3 i guess', true, 'score', 'none', 3],
  ['four', true, 'score', 'none', 4],
  ['Two', true, 'score', 'attention', 2],
  ['a two today', true, 'score', 'attention', 2],
  ['dos', true, 'score', 'attention', 2],
  ['cinco', true, 'score', 'none', 5],
  ['im a 4', true, 'score', 'none', 4],
  ["I'm a 3", true, 'score', 'none', 3],
  ['4 - tired but ok', true, 'score', 'none', 4],
  ['feeling ok, maybe a 3', true, 'score', 'none', 3],
  ['hoy un 2', true, 'score', 'attention', 2],
  ['3 de 5', true, 'score', 'none', 3],
  ['#5 💪', true, 'score', 'none', 5],
  ['5 stars ⭐', true, 'score', 'none', 5],
  ['-1', true, 'other', 'review'],
  ['I think I’m dying', false, 'crisis', 'urgent'],
  ['siento que me muero', false, 'crisis', 'urgent'],
  ['voy a cortarme el pelo', false, 'other', 'review'],
  ['4️⃣', true, 'score', 'none', 4],
  ['Day 2, feeling like a 4', true, 'score', 'none', 4],
  ['so tired, 2', true, 'score', 'attention', 2],
  ['3 a bit nauseous but fine', true, 'score', 'none', 3],
  ['2, slight headache and feel spacey', true, 'score', 'attention', 2],
  // numbers that are not a 1..5 rating
  ['7', true, 'other', 'review'],
  ['0', true, 'other', 'review'],
  ['10/10', true, 'other', 'review'],
  ['4/10', true, 'other', 'review'],
  ['3.5', true, 'other', 'review'],
  ['slept 2 hours', true, 'other', 'review'],
  ['see you at 2', true, 'other', 'review'],
  ['i have two questions', true, 'other', 'review'],
  ['no one called me back', true, 'other', 'review'],
  ['3', false, 'other', 'review'],
  ['a 2 today', false, 'other', 'review'],
  // serious symptoms in words
  ['3 but I fainted this morning', true, 'symptom', 'attention'],
  ['I passed out in the kitchen', false, 'symptom', 'attention'],
  ['still seeing things this morning', true, 'symptom', 'attention'],
  ['4 but still hallucinating', true, 'symptom', 'attention'],
  ['there is blood in my pee', false, 'symptom', 'attention'],
  ['it burns when I pee', false, 'symptom', 'attention'],
  ['cant stop throwing up', true, 'symptom', 'attention'],
  ['keep vomiting since last night', false, 'symptom', 'attention'],
  ['my heart is racing', false, 'symptom', 'attention'],
  ['worst headache of my life', false, 'symptom', 'attention'],
  ['blood pressure is very high 180/110', false, 'symptom', 'attention'],
  ['still confused, cant think straight', false, 'symptom', 'attention'],
  ['me desmayé', false, 'symptom', 'attention'],
  ['sangre en la orina', false, 'symptom', 'attention'],
  ['me arde al orinar', true, 'symptom', 'attention'],
  ['no paro de vomitar', false, 'symptom', 'attention'],
  // mild after-effects and anything else
  ['a bit nauseous', true, 'other', 'review'],
  ['slight headache, tired', false, 'other', 'review'],
  ['feel spacey but good', true, 'other', 'review'],
  ['I painted today, felt calm', false, 'other', 'review'],
  ['thank you so much!', true, 'other', 'review'],
  ['un poco cansada', true, 'other', 'review'],
  [ramblingOk, true, 'other', 'review'],
  ['', true, 'other', 'review'],
  ['   ', false, 'other', 'review'],
  ['🙂', true, 'other', 'review'],
];

describe('classifyReply table', () => {
  it('has at least 100 realistic replies', () => {
    expect(table.length).toBeGreaterThanOrEqual(100);
  });

  it.each(table)('%j (check-in open: %s) is %s / %s', (text, checkinOpen, kind, level, score) => {
    const result = classifyReply(text, { checkinOpen });
    expect(result.kind).toBe(kind);
    expect(result.level).toBe(level);
    if (score !== undefined) expect(result).toMatchObject({ score });
  });
});

describe('opt-out keywords', () => {
  it.each(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE', 'PARAR', 'BAJA'])(
    'names the keyword %s',
    (word) => {
      expect(classifyReply(` ${word.toLowerCase()}. `, closed)).toEqual({ kind: 'opt-out', level: 'none', keyword: word });
    },
  );

  it('leaves a sentence that only mentions stopping to staff review', () => {
    expect(classifyReply('please stop sending at night', open)).toEqual({ kind: 'other', level: 'review' });
  });
});

describe('opt-in keywords', () => {
  it.each(['START', 'UNSTOP', 'YES'])('names the keyword %s', (word) => {
    expect(classifyReply(word, open)).toEqual({ kind: 'opt-in', level: 'none', keyword: word });
  });

  it('treats yes as opt-in only when it is the whole message', () => {
    expect(classifyReply('yes, feeling better', closed).kind).toBe('other');
  });
});

describe('help keywords', () => {
  it.each(['HELP', 'INFO'])('names the keyword %s', (word) => {
    expect(classifyReply(`${word}?`, closed)).toEqual({ kind: 'help', level: 'none', keyword: word });
  });

  it('treats help with crisis words as crisis', () => {
    expect(classifyReply('help i cant breathe', closed).kind).toBe('crisis');
  });
});

describe('crisis language', () => {
  it('names the phrase it matched', () => {
    expect(classifyReply('i want to kil myself', open)).toMatchObject({ kind: 'crisis', level: 'urgent', matched: 'kill myself', subject: 'self' });
  });

  it('finds one crisis phrase in the middle of a 600-character message', () => {
    expect(rambling.length).toBeGreaterThanOrEqual(600);
    expect(classifyReply(rambling, open)).toMatchObject({ kind: 'crisis', level: 'urgent' });
  });

  it('escalates a negation anyway: a false alarm costs a call, a miss can cost a life', () => {
    expect(classifyReply('no quiero morir', open).kind).toBe('crisis');
    expect(classifyReply("I'm not going to hurt myself", open).kind).toBe('crisis');
  });

  it('holds while no check-in is open and outranks a score', () => {
    expect(classifyReply('2, chest pain', open).kind).toBe('crisis');
    expect(classifyReply('dolor en el pecho', closed).kind).toBe('crisis');
  });
});

describe('scores', () => {
  it('raises attention for 1 and 2 and records 3 to 5', () => {
    expect(classifyReply('2', open)).toEqual({ kind: 'score', level: 'attention', score: 2 });
    expect(classifyReply('3', open)).toEqual({ kind: 'score', level: 'none', score: 3 });
  });

  it('ignores numbers when no check-in is open', () => {
    expect(classifyReply('1', closed)).toEqual({ kind: 'other', level: 'review' });
  });

  it('leaves a range or a number outside 1..5 to staff review', () => {
    expect(classifyReply('2-3', open).kind).toBe('other');
    expect(classifyReply('6', open).kind).toBe('other');
  });
});

describe('serious symptoms', () => {
  it('outranks a score given in the same reply', () => {
    expect(classifyReply('3 but I fainted this morning', open)).toMatchObject({
      kind: 'symptom',
      level: 'attention',
      matched: expect.stringMatching(/^faint/),
      evidence: expect.arrayContaining([expect.stringMatching(/^fainting or a fall: faint/)]),
    });
  });

  it('does not count mild after-effects', () => {
    expect(classifyReply('tired, a bit nauseous, slight headache', closed).kind).toBe('other');
  });
});

describe('other', () => {
  it('sends empty and unrelated text to review', () => {
    expect(classifyReply('', open)).toEqual({ kind: 'other', level: 'review' });
    expect(classifyReply('what time is my next appointment?', closed)).toEqual({ kind: 'other', level: 'review' });
  });
});

describe('parseAck', () => {
  it.each([
    ['ACK 4821', '4821'],
    ['ack 4821', '4821'],
    ['Ack #4821', '4821'],
    ['  ack: ab12cd  ', 'AB12CD'],
    ['ACK 4821 on my way', '4821'],
    ['ACK4821', '4821'],
  ])('reads %j as %s', (text, code) => {
    expect(parseAck(text)).toBe(code);
  });

  it.each(['4821', 'ack', 'ACK 123', 'ACK 123456789', 'acknowledged', 'please ack 4821', 'STOP', ''])(
    'finds no code in %j',
    (text) => {
      expect(parseAck(text)).toBeUndefined();
    },
  );
});
