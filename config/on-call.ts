import { z } from 'zod';
import { localeSchema, type Locale } from '../core/events.ts';
import { policyRounds, type NoticeChannel, type Policies, type PolicyTarget } from '../core/escalation-policy.ts';
import { overrideInstant, weekdays, type Override, type Rotation } from '../core/on-call.ts';
import { phoneSchema } from '../core/phone.ts';

// The clinic file's `onCall` block: rotations of people and overrides. A rotation's person is an
// escalation contact by name, or a person given in full (name, phone, email, locale).

export const rotationPersonSchema = z.union([
  z.string().trim().min(1),
  z
    .strictObject({ name: z.string().trim().min(1), phone: phoneSchema.optional(), email: z.email().optional(), locale: localeSchema.optional() })
    .refine((c) => c.phone || c.email, { message: 'a person on call needs a phone or an email' }),
]);

export const rotationSchema = z.strictObject({
  handoff: z.enum(['daily', 'weekly']),
  /** The hand-off's local time, in the clinic's zone. */
  at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time as "HH:mm"').default('08:00'),
  /** Weekly rotations hand off on this day. */
  weekday: z.enum(weekdays).default('monday'),
  /** The first person's first shift begins at the first hand-off on or after this date. */
  startsOn: z.iso.date(),
  people: z.array(rotationPersonSchema).min(1, 'a rotation needs at least one person'),
});

const localOrOffsetTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/, 'expected an ISO time, e.g. 2026-12-04T18:00 (the clinic\'s zone) or with an offset');

export const onCallSchema = z
  .strictObject({
    rotations: z.record(z.string().regex(/^[a-z0-9-]{1,40}$/, 'expected a lowercase rotation name'), rotationSchema).default({}),
    /** "Dana covers Friday night": `who` is on call for `rotation` from `from` until `to`. */
    overrides: z.array(z.strictObject({ rotation: z.string().min(1), who: z.string().trim().min(1), from: localOrOffsetTime, to: localOrOffsetTime })).default([]),
  })
  .default({ rotations: {}, overrides: [] });

export interface OnCallPerson {
  name: string;
  phone?: string;
  email?: string;
  locale?: Locale;
}

/** What the resolution reads of a clinic (config/clinics.ts `Clinic` has it all). */
export interface OnCallClinic {
  id: string;
  timezone: string;
  escalation: { contacts: OnCallPerson[]; lastResort?: OnCallPerson; policies: Policies };
  onCall: z.infer<typeof onCallSchema>;
}

export interface ClinicOnCall {
  /** Everyone who may be told of an escalation, by name: contacts, last resort, people of rotations. */
  people: Map<string, OnCallPerson>;
  rotations: Record<string, { rotation: Rotation; overrides: Override[] }>;
}

/** The people and rotations of a clinic, names resolved; a name that resolves to nobody is left out (see onCallProblems). */
export function clinicOnCall(clinic: OnCallClinic): ClinicOnCall {
  const people = new Map<string, OnCallPerson>();
  for (const c of [...clinic.escalation.contacts, ...(clinic.escalation.lastResort ? [clinic.escalation.lastResort] : [])]) if (!people.has(c.name)) people.set(c.name, c);
  for (const r of Object.values(clinic.onCall.rotations)) for (const p of r.people) if (typeof p !== 'string' && !people.has(p.name)) people.set(p.name, p);
  const rotations: ClinicOnCall['rotations'] = {};
  for (const [name, r] of Object.entries(clinic.onCall.rotations)) {
    rotations[name] = {
      rotation: { handoff: r.handoff, at: r.at, weekday: r.weekday, startsOn: r.startsOn, zone: clinic.timezone, people: r.people.map((p) => (typeof p === 'string' ? p : p.name)) },
      overrides: clinic.onCall.overrides.filter((o) => o.rotation === name)
        .map((o) => ({ who: o.who, from: overrideInstant(o.from, clinic.timezone), to: overrideInstant(o.to, clinic.timezone) })),
    };
  }
  return { people, rotations };
}

/** Why the clinic's rotations and policies cannot run, one line each (empty when they can). */
export function onCallProblems(clinic: OnCallClinic): string[] {
  const problems: string[] = [];
  const say = (text: string) => problems.push(text);
  const { people, rotations } = clinicOnCall(clinic);
  const known = (name: string) => people.has(name);
  // Notices, rotations and policies name people: one name, one person.
  const listed = [...clinic.escalation.contacts, ...(clinic.escalation.lastResort ? [clinic.escalation.lastResort] : [])];
  for (const [i, c] of listed.entries()) {
    if (listed.slice(0, i).some((o) => o.name === c.name && (o.phone !== c.phone || o.email !== c.email)))
      say(`two escalation contacts are named "${c.name}"; give each their own name`);
  }
  for (const [name, r] of Object.entries(clinic.onCall.rotations)) {
    const inline = new Set<string>();
    for (const p of r.people) {
      if (typeof p === 'string') {
        if (!known(p)) say(`rotation "${name}" names "${p}", who is neither an escalation contact nor a person of a rotation`);
      } else {
        if (inline.has(p.name)) say(`rotation "${name}" lists "${p.name}" twice`);
        inline.add(p.name);
        const same = people.get(p.name);
        if (same && same !== p && (same.phone !== p.phone || same.email !== p.email)) say(`rotation "${name}" gives "${p.name}" other details than elsewhere in the file`);
      }
    }
  }
  for (const o of clinic.onCall.overrides) {
    if (!rotations[o.rotation]) say(`an override names unknown rotation "${o.rotation}"`);
    if (!known(o.who)) say(`the override of "${o.rotation}" names "${o.who}", who is neither an escalation contact nor a person of a rotation`);
    const from = overrideInstant(o.from, clinic.timezone);
    const to = overrideInstant(o.to, clinic.timezone);
    if (!from.isValid || !to.isValid) say(`the override of "${o.rotation}" for "${o.who}" has a time that does not exist`);
    else if (to <= from) say(`the override of "${o.rotation}" for "${o.who}" ends before it starts`);
  }
  for (const [kind, policy] of Object.entries(clinic.escalation.policies)) {
    if (!policy) continue;
    const { rounds } = policyRounds(policy);
    if (rounds.length === 0) say(`the ${kind} policy notifies nobody`);
    const at = policy.findIndex((s) => 'repeat' in s);
    if (at >= 0 && at !== policy.length - 1) say(`the ${kind} policy has "repeat" before its last step`);
    for (const step of policy) {
      if (!('notify' in step)) continue;
      for (const who of namedBy(step.notify, clinic, rotations, say, kind)) {
        const person = people.get(who);
        if (!person) continue;
        if (step.channels.some(needsPhone) && !person.phone) say(`the ${kind} policy calls "${who}", who has no phone`);
      }
    }
  }
  return problems;
}

const needsPhone = (channel: NoticeChannel) => channel === 'voice';

/** Everyone a policy target may name; an unknown rotation or contact is a problem. */
function namedBy(t: PolicyTarget, clinic: OnCallClinic, rotations: ClinicOnCall['rotations'], say: (text: string) => void, kind: string): string[] {
  if ('rotation' in t) {
    const r = rotations[t.rotation];
    if (!r) {
      say(`the ${kind} policy names unknown rotation "${t.rotation}"`);
      return [];
    }
    return [...r.rotation.people, ...r.overrides.map((o) => o.who)];
  }
  if ('contact' in t) {
    const known = clinic.escalation.contacts.some((c) => c.name === t.contact) || clinic.escalation.lastResort?.name === t.contact
      || Object.values(rotations).some((r) => r.rotation.people.includes(t.contact));
    if (!known) say(`the ${kind} policy names unknown contact "${t.contact}"`);
    return known ? [t.contact] : [];
  }
  if ('contacts' in t) return clinic.escalation.contacts.map((c) => c.name);
  if (!clinic.escalation.lastResort) say(`the ${kind} policy notifies the last resort, and the clinic has none`);
  return clinic.escalation.lastResort ? [clinic.escalation.lastResort.name] : [];
}
