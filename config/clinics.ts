import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { carePlanSchema, defaultCarePlan, isoDurationSchema, type CarePlan, type PlanKind } from '../core/care-plan.ts';
import { idSchema, localeSchema } from '../core/events.ts';
import { phoneSchema } from '../core/phone.ts';
import { defaultQuietHours, quietHoursSchema } from '../core/quiet-hours.ts';
import { timeZoneSchema } from '../core/time-zone.ts';
import { ConfigError } from '../lib/errors.ts';
import { ehrSchema } from './ehr.ts';
import { oidcSchema } from './oidc.ts';
import { staffRoleSchema } from './staff-role.ts';
import { treatmentPlansSchema } from './treatment-plans.ts';
import { isTemplateKey } from '../templates/index.ts';

const contactSchema = z
  .strictObject({ name: z.string().min(1), phone: phoneSchema.optional(), email: z.email().optional() })
  .refine((c) => c.phone || c.email, { message: 'an escalation contact needs a phone or an email' });

export const clinicSchema = z.strictObject({
  id: idSchema,
  name: z.string().trim().min(1).max(60),
  phone: phoneSchema,
  timezone: timeZoneSchema,
  locale: localeSchema.default('en'),
  apiKeySha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the hex SHA-256 of the API key (64 lowercase hex digits)'),
  quietHours: quietHoursSchema.default(defaultQuietHours),
  emergency: z.strictObject({ phone: z.string().min(2).max(20), crisisLine: z.string().min(2).max(20) }).default({ phone: '911', crisisLine: '988' }),
  smsNamesTreatment: z.boolean().default(false),
  /** The Twilio numbers patients text this clinic at: a message from a number nobody knows goes to the clinic it texted. */
  smsNumbers: z.array(phoneSchema).default([]),
  escalation: z.strictObject({
    contacts: z.array(contactSchema).min(1, 'at least one escalation contact is required'),
    /** Told when the list runs out without an acknowledgement, and again every renotifyAfter until one. */
    lastResort: contactSchema.optional(),
    renotifyAfter: isoDurationSchema.default('PT5M'),
    nextContactAfter: isoDurationSchema.default('PT15M'),
    /** A review nobody acknowledged is closed after this long (by the reconciler, on the timeline). */
    closeReviewsAfter: isoDurationSchema.default('P7D'),
  }),
  plans: z.strictObject({ session: carePlanSchema.optional(), cessation: carePlanSchema.optional() }).default({}),
  /** A session plan per treatment given (`esketamine-nasal`, ...), and how the clinic's EHR connects. */
  treatments: treatmentPlansSchema,
  ehr: ehrSchema.optional(),
  /** Console sign-in through the clinic's identity provider (config/oidc.ts). */
  oidc: oidcSchema.optional(),
  /** Staff who sign in to the console; passwords as scrypt hashes (`aftercare hash-password`). */
  staff: z
    .array(z.strictObject({
      username: z.string().regex(/^[a-z0-9._-]{2,60}$/, 'expected a lowercase username'),
      name: z.string().trim().min(1).max(80),
      passwordHash: z.string().regex(/^scrypt\$/, 'expected a scrypt hash from `aftercare hash-password`'),
      role: staffRoleSchema.default('nurse'),
    }))
    .default([]),
});
export type ClinicInput = z.input<typeof clinicSchema>;
type ParsedClinic = z.infer<typeof clinicSchema>;

/** A clinic with its care plans resolved: overrides where given, defaults otherwise. */
export type Clinic = Omit<ParsedClinic, 'plans'> & { plans: Record<PlanKind, CarePlan> };

const clinicsFileSchema = z.strictObject({ clinics: z.array(clinicSchema).min(1) });

export interface Clinics {
  get(id: string): Clinic | undefined;
  all(): Clinic[];
}

/** Everyone who may acknowledge a clinic's escalations by SMS. */
export function staffContacts(clinic: Pick<Clinic, 'escalation'>): Array<z.infer<typeof contactSchema>> {
  return [...clinic.escalation.contacts, ...(clinic.escalation.lastResort ? [clinic.escalation.lastResort] : [])];
}

export function resolveClinics(input: unknown, source = 'clinic file'): Clinics {
  const parsed = clinicsFileSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new ConfigError(`Invalid ${source}:\n${lines.join('\n')}`);
  }
  const problems: string[] = [];
  const byId = new Map<string, Clinic>();
  // A username alone says which clinic a staff member signs in to.
  const usernames = new Map<string, string>();
  const numbers = new Map<string, string>();
  for (const c of parsed.data.clinics) {
    if (byId.has(c.id)) problems.push(`  clinic ${c.id}: listed twice`);
    for (const number of c.smsNumbers) {
      const other = numbers.get(number);
      if (other) problems.push(`  clinic ${c.id}: SMS number ${number} is already clinic ${other}'s`);
      numbers.set(number, c.id);
    }
    for (const member of c.staff) {
      const other = usernames.get(member.username);
      if (other) problems.push(`  clinic ${c.id}: staff username "${member.username}" is already used at clinic ${other}`);
      usernames.set(member.username, c.id);
    }
    const plans = {
      session: c.plans.session ?? defaultCarePlan('session'),
      cessation: c.plans.cessation ?? defaultCarePlan('cessation'),
    };
    for (const [kind, steps] of Object.entries(plans)) {
      for (const step of steps) {
        if (!isTemplateKey(step.template)) problems.push(`  clinic ${c.id}: ${kind} step "${step.key}" names missing template "${step.template}"`);
        if (step.toEscort && !isTemplateKey(`${step.template}-escort`))
          problems.push(`  clinic ${c.id}: ${kind} step "${step.key}" goes to the escort but template "${step.template}-escort" is missing`);
      }
    }
    byId.set(c.id, { ...c, plans });
  }
  if (problems.length) throw new ConfigError(`Invalid ${source}:\n${problems.join('\n')}`);
  return { get: (id) => byId.get(id), all: () => [...byId.values()] };
}

/**
 * The clinic an inbound SMS was sent to (Twilio's `To`): the one listing that number in
 * `smsNumbers`, otherwise the first clinic of the file (the only one, in a one-clinic deployment).
 */
export function clinicTexted(clinics: Clinics, to: string | undefined): Clinic {
  const all = clinics.all();
  return all.find((c) => to !== undefined && c.smsNumbers.includes(to)) ?? all[0]!;
}

export function loadClinics(path: string): Clinics {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(err);
    throw new ConfigError(`Cannot read CLINICS_FILE ${path}: ${why}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`CLINICS_FILE ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return resolveClinics(json, `CLINICS_FILE ${path}`);
}
