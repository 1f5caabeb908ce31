import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { policiesSchema } from '../core/escalation-policy.ts';
import { carePlanSchema, defaultCarePlan, isoDurationSchema, type CarePlan, type PlanKind } from '../core/care-plan.ts';
import { idSchema, localeSchema } from '../core/events.ts';
import { phoneSchema } from '../core/phone.ts';
import { defaultQuietHours, quietHoursSchema } from '../core/quiet-hours.ts';
import { defaultRetention, retentionSchema } from '../core/retention.ts';
import { timeZoneSchema } from '../core/time-zone.ts';
import { ConfigError } from '../lib/errors.ts';
import { ehrSchema } from './ehr.ts';
import { clinicOnCall, onCallProblems, onCallSchema, type OnCallPerson } from './on-call.ts';
import { oidcSchema } from './oidc.ts';
import { staffRoleSchema } from './staff-role.ts';
import { treatmentPlansSchema } from './treatment-plans.ts';
import { isTemplateKey } from '../templates/index.ts';
import { templateOverridesSchema, templateOverrideProblems } from '../templates/overrides.ts';

const contactSchema = z
  .strictObject({ name: z.string().min(1), phone: phoneSchema.optional(), email: z.email().optional(), locale: localeSchema.optional() })
  .refine((c) => c.phone || c.email, { message: 'an escalation contact needs a phone or an email' });

export const clinicSchema = z.strictObject({
  id: idSchema,
  name: z.string().trim().min(1).max(60),
  phone: phoneSchema,
  timezone: timeZoneSchema,
  locale: localeSchema.default('en'),
  /** The key the clinic file gives it (the key named "seed"); absent: keys are made through the admin API only. */
  apiKeySha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the hex SHA-256 of the API key (64 lowercase hex digits)').optional(),
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
    /** Per escalation kind: who is told, how, and how long to wait (core/escalation-policy.ts); a kind without one follows the ladder. */
    policies: policiesSchema,
  }),
  /** On-call rotations and overrides (config/on-call.ts). */
  onCall: onCallSchema,
  plans: z.strictObject({ session: carePlanSchema.optional(), cessation: carePlanSchema.optional() }).default({}),
  /** A session plan per treatment given (`esketamine-nasal`, ...), and how the clinic's EHR connects. */
  treatments: treatmentPlansSchema,
  ehr: ehrSchema.optional(),
  /** How long message bodies, reply texts and access audit entries are kept (a daily job purges older ones). */
  retention: retentionSchema.default(defaultRetention),
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
  /** The clinic's own wording of a template, per locale (`{firstName}`, `{clinicName}`, ... as placeholders). */
  templates: templateOverridesSchema,
});
export type ClinicInput = z.input<typeof clinicSchema>;
type ParsedClinic = z.infer<typeof clinicSchema>;

/** A clinic with its care plans resolved: overrides where given, defaults otherwise. */
export type Clinic = Omit<ParsedClinic, 'plans'> & {
  plans: Record<PlanKind, CarePlan>;
  /** The version of the clinic's configuration in the database (absent for a clinic read from a file only). */
  configVersion?: number;
};

const clinicsFileSchema = z.strictObject({ clinics: z.array(clinicSchema).min(1) });

/** What an API key presented as a bearer token stands for (see store/api-keys.ts). */
export interface ApiKeyEntry {
  id: string;
  clinicId: string;
  name: string;
  scope: 'clinic' | 'admin';
  expiresAt: Date | null;
}

export interface Clinics {
  get(id: string): Clinic | undefined;
  all(): Clinic[];
  /** Each clinic's document as given (the clinic file's own words, before defaults): what seeds the database. */
  documents?(): unknown[];
  /** The live API keys by the hex SHA-256 of the key; absent: each clinic's `apiKeySha256` is its one key. */
  apiKey?(sha256Hex: string): ApiKeyEntry | undefined;
  /** Reloads from the database now (after a change made in this process); absent for clinics of a file. */
  refresh?(): Promise<void>;
}

/** One mistake in a clinic file or document: where (`clinics.0.timezone`) and what. */
export interface ConfigProblem {
  path: string;
  message: string;
  /** Set for a problem found after the schema passed: the file names it as "clinic <id>: ...". */
  clinicId?: string;
}

/** A clinic file (or set of documents) that cannot run, with each problem. */
export class ClinicConfigError extends ConfigError {
  declare readonly problems: ConfigProblem[];
  constructor(source: string, problems: ConfigProblem[]) {
    super(`Invalid ${source}:\n${problems.map((p) => (p.clinicId ? `  clinic ${p.clinicId}: ${p.message}` : `  ${p.path || '(top level)'}: ${p.message}`)).join('\n')}`);
    // Not enumerable: the error still equals a ConfigError of the same message.
    Object.defineProperty(this, 'problems', { value: problems, enumerable: false });
  }
}

/** Everyone who may acknowledge a clinic's escalations by SMS: contacts, last resort, people on call. */
export function staffContacts(clinic: Pick<Clinic, 'id' | 'timezone' | 'escalation' | 'onCall'>): OnCallPerson[] {
  return [...clinicOnCall(clinic).people.values()];
}

/** Every problem of a clinic file's content, each with its path; none: it runs. */
export function clinicProblems(input: unknown): ConfigProblem[] {
  const parsed = clinicsFileSchema.safeParse(input);
  if (!parsed.success) return parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  return resolveParsed(parsed.data.clinics).problems;
}

function resolveParsed(clinics: ParsedClinic[]): { problems: ConfigProblem[]; byId: Map<string, Clinic> } {
  const problems: ConfigProblem[] = [];
  const problem = (clinicId: string, path: string, message: string) => problems.push({ clinicId, path, message });
  const byId = new Map<string, Clinic>();
  // A username alone says which clinic a staff member signs in to.
  const usernames = new Map<string, string>();
  const numbers = new Map<string, string>();
  clinics.forEach((c, i) => {
    const at = `clinics.${i}`;
    if (byId.has(c.id)) problem(c.id, `${at}.id`, 'listed twice');
    c.smsNumbers.forEach((number, n) => {
      const other = numbers.get(number);
      if (other) problem(c.id, `${at}.smsNumbers.${n}`, `SMS number ${number} is already clinic ${other}'s`);
      numbers.set(number, c.id);
    });
    c.staff.forEach((member, m) => {
      const other = usernames.get(member.username);
      if (other) problem(c.id, `${at}.staff.${m}.username`, `staff username "${member.username}" is already used at clinic ${other}`);
      usernames.set(member.username, c.id);
    });
    const plans = {
      session: c.plans.session ?? defaultCarePlan('session'),
      cessation: c.plans.cessation ?? defaultCarePlan('cessation'),
    };
    for (const [kind, steps] of Object.entries(plans)) {
      steps.forEach((step, k) => {
        const path = `${at}.plans.${kind}.${k}.template`;
        if (!isTemplateKey(step.template)) problem(c.id, path, `${kind} step "${step.key}" names missing template "${step.template}"`);
        if (step.toEscort && !isTemplateKey(`${step.template}-escort`))
          problem(c.id, path, `${kind} step "${step.key}" goes to the escort but template "${step.template}-escort" is missing`);
      });
    }
    for (const p of templateOverrideProblems(c.templates, c.smsNamesTreatment)) problem(c.id, `${at}.templates${p.path ? `.${p.path}` : ''}`, p.message);
    for (const message of onCallProblems(c)) problem(c.id, `${at}.onCall`, message);
    if (!byId.has(c.id)) byId.set(c.id, { ...c, plans });
  });
  return { problems, byId };
}

export function resolveClinics(input: unknown, source = 'clinic file', versions?: ReadonlyMap<string, number>): Clinics {
  const parsed = clinicsFileSchema.safeParse(input);
  if (!parsed.success) throw new ClinicConfigError(source, parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  const { problems, byId } = resolveParsed(parsed.data.clinics);
  if (problems.length) throw new ClinicConfigError(source, problems);
  if (versions) for (const [id, clinic] of byId) clinic.configVersion = versions.get(id);
  // The documents as given, so the database is seeded with the file's own words (secrets stay file names).
  const documents = z.strictObject({ clinics: z.array(z.unknown()) }).parse(input).clinics;
  return { get: (id) => byId.get(id), all: () => [...byId.values()], documents: () => structuredClone(documents) };
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
