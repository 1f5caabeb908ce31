import { describe, expect, it } from 'vitest';
import { deliveryId, eventJobId, planId, stepId } from '../../lib/ids.ts';

const plan = planId('clinic-a', 'p-123', 'session', 's-1');

/** Every kind of id, built from one set of business keys. */
function allIds(keys: { clinicId: string; patientId: string; eventId: string; reference: string; stepKey: string }): string[] {
  const p = planId(keys.clinicId, keys.patientId, 'session', keys.reference);
  const patientStep = stepId(p, keys.stepKey, 'patient');
  const escortStep = stepId(p, keys.stepKey, 'escort');
  return [eventJobId(keys.clinicId, keys.eventId), p, patientStep, escortStep, deliveryId(patientStep, 'sms'), deliveryId(escortStep, 'email')];
}

// Keys that a naive join or a numeric-looking id would get wrong.
const awkwardKeys = [
  { clinicId: 'clinic-a', patientId: 'p-123', eventId: 'evt-7f3a', reference: 's-1', stepKey: 'no-driving' },
  { clinicId: '1', patientId: '2', eventId: '3', reference: '4', stepKey: '5' },
  { clinicId: 'a.b', patientId: 'c~d', eventId: 'e_f', reference: 'g-h', stepKey: 'checkin-24h' },
  { clinicId: 'x'.repeat(128), patientId: 'y'.repeat(128), eventId: 'z'.repeat(128), reference: '0'.repeat(128), stepKey: 'k' },
];

describe('ids', () => {
  it.each([
    { kind: 'event job', make: () => eventJobId('clinic-a', 'evt-7f3a') },
    { kind: 'plan', make: () => planId('clinic-a', 'p-123', 'session', 's-1') },
    { kind: 'step', make: () => stepId(planId('clinic-a', 'p-123', 'session', 's-1'), 'no-driving', 'escort') },
    { kind: 'delivery', make: () => deliveryId(stepId(planId('clinic-a', 'p-123', 'session', 's-1'), 'light-meal', 'patient'), 'sms') },
  ])('derives the same $kind id from the same business keys', ({ make }) => {
    expect(make()).toBe(make());
  });

  it.each([
    { case: 'another clinic', a: eventJobId('clinic-a', 'evt-1'), b: eventJobId('clinic-b', 'evt-1') },
    { case: 'another event id', a: eventJobId('clinic-a', 'evt-1'), b: eventJobId('clinic-a', 'evt-2') },
    { case: 'keys that join to the same text', a: eventJobId('ab', 'c'), b: eventJobId('a', 'bc') },
    { case: 'another patient', a: planId('clinic-a', 'p-1', 'session', 's-1'), b: planId('clinic-a', 'p-2', 'session', 's-1') },
    { case: 'another plan kind', a: planId('clinic-a', 'p-1', 'session', 's-1'), b: planId('clinic-a', 'p-1', 'cessation', 's-1') },
    { case: 'another reference', a: planId('clinic-a', 'p-1', 'session', 's-1'), b: planId('clinic-a', 'p-1', 'session', 's-2') },
    { case: 'plan keys that join to the same text', a: planId('c', 'p-1', 'session', 's'), b: planId('c', 'p', '1-session', 's') },
    { case: 'another step key', a: stepId(plan, 'light-meal', 'patient'), b: stepId(plan, 'checkin-24h', 'patient') },
    { case: 'another channel', a: deliveryId(stepId(plan, 'light-meal', 'patient'), 'sms'), b: deliveryId(stepId(plan, 'light-meal', 'patient'), 'email') },
  ])('derives different ids for $case', ({ a, b }) => {
    expect(a).not.toBe(b);
  });

  it('gives the patient and escort copies of a step different ids', () => {
    expect(stepId(plan, 'no-driving', 'patient')).not.toBe(stepId(plan, 'no-driving', 'escort'));
  });

  it('gives a patient step keyed "<key>-escort" an id apart from the escort copy of "<key>"', () => {
    expect(stepId(plan, 'no-driving-escort', 'patient')).not.toBe(stepId(plan, 'no-driving', 'escort'));
  });

  it.each(awkwardKeys)('never puts ":" in an id, nor makes one all digits ($clinicId)', (keys) => {
    for (const id of allIds(keys)) {
      expect(id).not.toContain(':');
      expect(id).not.toMatch(/^\d+$/);
    }
  });

  it.each(awkwardKeys)('keeps every id to letters, digits, "-" and ".", within 256 characters ($clinicId)', (keys) => {
    for (const id of allIds(keys)) expect(id).toMatch(/^[A-Za-z0-9.-]{1,256}$/);
  });
});
