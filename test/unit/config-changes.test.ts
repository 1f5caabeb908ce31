import { describe, expect, it } from 'vitest';
import { jsonDiff } from '../../lib/json-diff.ts';
import { documentFields, mergePatch } from '../../producers/http/admin-changes.ts';
import { sampleVars } from '../../templates/check.ts';
import { clinicTemplate, templateOverrideProblems, type TemplateOverrides } from '../../templates/overrides.ts';

describe('jsonDiff', () => {
  it.each([
    { case: 'a changed leaf', before: { quietHours: { start: '21:00', end: '08:00' } }, after: { quietHours: { start: '22:00', end: '08:00' } },
      diff: [{ path: 'quietHours.start', op: 'changed' }] },
    { case: 'an added array element', before: { staff: [{ username: 'a' }] }, after: { staff: [{ username: 'a' }, { username: 'b' }] },
      diff: [{ path: 'staff.1.username', op: 'added' }] },
    { case: 'a removed field', before: { name: 'A', locale: 'es' }, after: { name: 'A' }, diff: [{ path: 'locale', op: 'removed' }] },
    { case: 'an empty list given', before: {}, after: { smsNumbers: [] }, diff: [{ path: 'smsNumbers', op: 'added' }] },
    { case: 'nothing', before: { a: [1, { b: 2 }] }, after: { a: [1, { b: 2 }] }, diff: [] },
  ])('names the paths of $case, never the values', ({ before, after, diff }) => {
    expect(jsonDiff(before, after)).toEqual(diff);
  });
});

describe('mergePatch (RFC 7386)', () => {
  it('merges objects, replaces arrays and removes what is null', () => {
    expect(mergePatch({ name: 'A', quietHours: { start: '21:00', end: '08:00' }, staff: [1, 2], locale: 'es' },
      { quietHours: { start: '22:00' }, staff: [3], locale: null }))
      .toEqual({ name: 'A', quietHours: { start: '22:00', end: '08:00' }, staff: [3] });
  });
});

describe('documentFields', () => {
  it('makes a clinic file path relative to the clinic, and leaves another clinic’s alone', () => {
    expect(documentFields([{ path: 'clinics.2.staff.0.username', message: 'm' }, { path: 'clinics.2', message: 'n' }, { path: 'clinics.0.id', message: 'o' }], 2))
      .toEqual([{ path: 'staff.0.username', message: 'm' }, { path: '', message: 'n' }, { path: 'clinics.0.id', message: 'o' }]);
  });
});

describe('template overrides', () => {
  it('fills the placeholders and keeps the shipped parts the override leaves out', () => {
    const template = clinicTemplate({ 'light-meal': { en: { sms: 'Eat light, {firstName}. Call {clinicPhone}.' } } }, 'light-meal', 'en')!;
    expect(template.sms(sampleVars)).toBe('Eat light, Alejandra. Call +15550001111.');
    expect(template.email.subject(sampleVars)).toBe(clinicTemplate({}, 'light-meal', 'en')!.email.subject(sampleVars));
    expect(clinicTemplate({ 'light-meal': { en: { sms: 'x' } } }, 'light-meal', 'es')!.sms(sampleVars)).not.toBe('x');
  });

  it.each<{ case: string; overrides: TemplateOverrides; path: string; says: string }>([
    { case: 'an unknown template', overrides: { 'no-such': { en: { sms: 'Hi' } } }, path: 'no-such', says: 'overrides missing template "no-such"' },
    { case: 'an unknown placeholder', overrides: { 'light-meal': { en: { sms: 'Hi {name}' } } }, path: 'light-meal.en.sms', says: 'unknown placeholder {name}' },
    { case: 'the drug named in an SMS', overrides: { 'light-meal': { es: { sms: 'Después de la ketamina, coma algo' } } }, path: 'light-meal.es.sms', says: 'must not name the drug' },
  ])('refuses $case at $path', ({ overrides, path, says }) => {
    expect(templateOverrideProblems(overrides)).toEqual([{ path, message: expect.stringContaining(says) }]);
  });
});
