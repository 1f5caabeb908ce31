import { describe, expect, it } from 'vitest';
import { drugNames, namesDrug, smsSegments } from '../../core/sms-segments.ts';

const a = (n: number): string => 'a'.repeat(n);

describe('smsSegments', () => {
  it.each([
    { name: 'an empty body takes no segment', body: '', encoding: 'GSM-7', units: 0, segments: 0 },
    { name: '160 GSM-7 characters fit in one segment', body: a(160), encoding: 'GSM-7', units: 160, segments: 1 },
    { name: '161 GSM-7 characters need two segments', body: a(161), encoding: 'GSM-7', units: 161, segments: 2 },
    { name: '306 GSM-7 characters fit in two parts of 153', body: a(306), encoding: 'GSM-7', units: 306, segments: 2 },
    { name: '307 GSM-7 characters need three parts', body: a(307), encoding: 'GSM-7', units: 307, segments: 3 },
    { name: 'é, ñ, ü, ¿ and ¡ are in the GSM-7 basic set', body: '¿Qué tal? ¡Mañana! Ünd', encoding: 'GSM-7', units: 22, segments: 1 },
    { name: 'line breaks count one septet each', body: 'a\nb\r\nc', encoding: 'GSM-7', units: 6, segments: 1 },
  ])('$name', ({ body, encoding, units, segments }) => {
    expect(smsSegments(body)).toMatchObject({ encoding, units, segments, ucs2Characters: [] });
  });

  it.each([
    { char: '{' }, { char: '}' }, { char: '[' }, { char: ']' }, { char: '~' },
    { char: '^' }, { char: '|' }, { char: '\\' }, { char: '€' },
  ])('counts the extension character $char as two septets', ({ char }) => {
    expect(smsSegments(`${a(10)}${char}`)).toMatchObject({ encoding: 'GSM-7', units: 12 });
  });

  it.each([
    { name: '80 extension characters fill one segment exactly', body: '€'.repeat(80), units: 160, segments: 1 },
    { name: '159 letters and one extension character overflow into two segments', body: `${a(159)}^`, units: 161, segments: 2 },
    { name: 'an escape pair is never split across parts, which can add a part', body: `${a(152)}[${a(152)}`, units: 306, segments: 3 },
  ])('$name', ({ body, units, segments }) => {
    expect(smsSegments(body)).toMatchObject({ encoding: 'GSM-7', units, segments });
  });

  it.each([
    { name: '70 UCS-2 units fit in one segment', body: 'á'.repeat(70), units: 70, segments: 1 },
    { name: '71 UCS-2 units need two segments', body: 'á'.repeat(71), units: 71, segments: 2 },
    { name: '134 UCS-2 units fit in two parts of 67', body: 'á'.repeat(134), units: 134, segments: 2 },
    { name: '135 UCS-2 units need three parts', body: 'á'.repeat(135), units: 135, segments: 3 },
    { name: 'one accented letter turns a GSM-7 body into UCS-2', body: `${a(69)}ó`, units: 70, segments: 1 },
    { name: 'an emoji is a surrogate pair and counts two units', body: '😀', units: 2, segments: 1 },
    { name: '35 emoji fill one segment', body: '😀'.repeat(35), units: 70, segments: 1 },
    { name: '36 emoji need two segments', body: '😀'.repeat(36), units: 72, segments: 2 },
    { name: 'a surrogate pair is never split across parts, which can add a part', body: `${a(66)}😀${a(66)}`, units: 134, segments: 3 },
  ])('$name', ({ body, units, segments }) => {
    expect(smsSegments(body)).toMatchObject({ encoding: 'UCS-2', units, segments });
  });

  it.each([
    { name: 'accents outside GSM-7, each once, in order of first use', body: 'Sesión, día, sesión, más', forcing: ['ó', 'í', 'á'] },
    { name: 'a curly apostrophe', body: 'Don’t drive today', forcing: ['’'] },
    { name: 'an em dash', body: 'Rest today — please', forcing: ['—'] },
    { name: 'an emoji as one character', body: 'Well done 👍', forcing: ['👍'] },
    { name: 'a non-breaking space', body: 'Call\u00a0911', forcing: ['\u00a0'] },
  ])('names the characters that force UCS-2: $name', ({ body, forcing }) => {
    expect(smsSegments(body).ucs2Characters).toEqual(forcing);
  });
});

describe('namesDrug', () => {
  it('lists the three names SMS must not carry by default', () => {
    expect(drugNames).toEqual(['ketamine', 'esketamine', 'spravato']);
  });

  it.each([
    { text: 'after your ketamine session', found: 'ketamine' },
    { text: 'After your Ketamine session', found: 'Ketamine' },
    { text: 'Your ESKETAMINE dose', found: 'ESKETAMINE' },
    { text: 'Spravato nasal spray', found: 'Spravato' },
    { text: 'ketamine.', found: 'ketamine' },
    { text: 'su sesión de ketamina', found: 'ketamina' },
    { text: 'esketamina', found: 'esketamina' },
    { text: 'after your session', found: undefined },
    { text: 'ketamines and sketamine are not the word', found: undefined },
  ])('finds $found in "$text"', ({ text, found }) => {
    expect(namesDrug(text)).toBe(found);
  });
});
