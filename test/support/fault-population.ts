import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { ClinicInput } from '../../config/clinics.ts';
import { bodyForms, type Secrets } from './history.ts';
import { testClinic } from './pipeline.ts';

// Patients and clinics for the fault suite: every patient has a phone, email and name of their
// own, so a message can be traced to its step and a leak to its person.

export const firstNames = ['Marisol', 'Ottoline', 'Evander', 'Rosalind', 'Thaddeus', 'Wilhelmina', 'Cornelius', 'Philippa'];
export const staff = { name: 'On-call nurse', phone: '+15550002222', email: 'oncall@example.org' };

export interface TestPatient {
  id: string;
  firstName: string;
  phone: string;
  email?: string;
  timezone: string;
  locale: 'en';
  channel: 'sms' | 'email';
  smsConsent: boolean;
}

/** Patient number `i` of a group; `base` keeps groups' phone numbers apart. */
export function testPatient(i: number, overrides: Partial<TestPatient> = {}, base = 2_000_000): TestPatient {
  return {
    id: `p-${base + i}`,
    firstName: firstNames[i % firstNames.length] ?? 'Marisol',
    phone: `+1555${String(base + i).padStart(7, '0')}`,
    email: `patient-${base + i}@example.org`,
    timezone: 'America/Denver',
    locale: 'en',
    channel: 'sms',
    smsConsent: true,
    ...overrides,
  };
}

export function sessionFor(patient: TestPatient, clinicId = 'clinic-a') {
  return {
    type: 'session.completed',
    id: `evt-${randomUUID()}`,
    clinicId,
    patient,
    session: { id: `s-${randomUUID().slice(0, 8)}`, endedAt: new Date().toISOString(), modality: 'iv' },
  };
}

/** A clinic whose quiet hours, in UTC, run from two hours ago to two hours from now. */
export function quietClinic(overrides: Partial<ClinicInput> = {}): ClinicInput {
  const now = DateTime.utc();
  return testClinic({
    id: 'clinic-q',
    name: 'Lakeside Clinic',
    apiKeySha256: 'a'.repeat(64),
    timezone: 'UTC',
    quietHours: { start: now.minus({ hours: 2 }).toFormat('HH:mm'), end: now.plus({ hours: 2 }).toFormat('HH:mm') },
    ...overrides,
  });
}

export function secretsOf(patients: TestPatient[], bodies: string[] = []): Secrets {
  return {
    phones: [...patients.map((p) => p.phone), staff.phone],
    emails: [...patients.flatMap((p) => (p.email ? [p.email] : [])), staff.email],
    fragments: [...firstNames, ...bodies.flatMap(bodyForms)],
  };
}

/** Runs `work` over `items` with at most `width` at a time. */
export async function inParallel<T, R>(items: T[], width: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  }));
  return results;
}

export const seconds = (fromMs: number, toMs = Date.now()) => Math.round((toMs - fromMs) / 100) / 10;
