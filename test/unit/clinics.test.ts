import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadClinics, resolveClinics, type ClinicInput } from '../../config/clinics.ts';
import { defaultCarePlan, type CarePlanStepInput } from '../../core/care-plan.ts';
import { ConfigError } from '../../lib/errors.ts';

const examplePath = new URL('../../config/clinics.example.json', import.meta.url);

/** A minimal valid clinic; overrides may add fields the schema does not know. */
function clinic(overrides: Partial<ClinicInput> & Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'clinic-t',
    name: 'Test Clinic',
    phone: '+15550001111',
    timezone: 'America/Denver',
    apiKeySha256: 'a'.repeat(64),
    escalation: { contacts: [{ name: 'On-call nurse', phone: '+15550002222' }] },
    ...overrides,
  };
}

function step(overrides: Partial<CarePlanStepInput> = {}): CarePlanStepInput {
  return { key: 'custom', template: 'light-meal', after: 'PT1H', ...overrides };
}

/** The ConfigError message for an input; fails the test when no ConfigError is thrown. */
function problemOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const refusal = (...clinics: unknown[]): string => problemOf(() => resolveClinics({ clinics }));

describe('resolveClinics', () => {
  it('parses the shipped example file with the default plans', () => {
    const clinics = resolveClinics(JSON.parse(readFileSync(examplePath, 'utf8')));
    expect(clinics.all().map((c) => c.id)).toEqual(['clinic-a', 'clinic-b']);
    for (const c of clinics.all()) {
      expect(c.plans.session).toEqual(defaultCarePlan('session'));
      expect(c.plans.cessation).toEqual(defaultCarePlan('cessation'));
    }
  });

  it('fills clinic defaults for the fields the example leaves out', () => {
    const harbour = resolveClinics(JSON.parse(readFileSync(examplePath, 'utf8'))).get('clinic-b');
    expect(harbour).toMatchObject({
      locale: 'en',
      quietHours: { start: '21:00', end: '08:00' },
      emergency: { phone: '911', crisisLine: '988' },
      smsNamesTreatment: false,
      escalation: { renotifyAfter: 'PT5M', nextContactAfter: 'PT15M' },
    });
  });

  it('returns undefined for a clinic id it does not know', () => {
    expect(resolveClinics({ clinics: [clinic()] }).get('clinic-x')).toBeUndefined();
  });

  it('normalises contact phones to E.164', () => {
    const c = resolveClinics({ clinics: [clinic({ escalation: { contacts: [{ name: 'Nurse', phone: '(303) 555-0142' }] } })] }).get('clinic-t');
    expect(c?.escalation.contacts).toEqual([{ name: 'Nurse', phone: '+13035550142' }]);
  });

  it('replaces only the session plan when a clinic overrides plans.session', () => {
    const c = resolveClinics({ clinics: [clinic({ plans: { session: [step({ key: 'only-step' })] } })] }).get('clinic-t');
    expect(c?.plans.session.map((s) => s.key)).toEqual(['only-step']);
    expect(c?.plans.session[0]).toMatchObject({ template: 'light-meal', quietHours: 'respect', channel: 'preferred', grace: 'PT2H', toEscort: false });
    expect(c?.plans.cessation).toEqual(defaultCarePlan('cessation'));
  });

  it('refuses a plan naming a missing template, naming clinic, step and template', () => {
    const message = refusal(clinic({ plans: { cessation: [step({ key: 'weekly', template: 'weekly-typo' })] } }));
    expect(message).toContain('clinic clinic-t: cessation step "weekly" names missing template "weekly-typo"');
  });

  it('refuses a toEscort step whose -escort template is missing', () => {
    const message = refusal(clinic({ plans: { session: [step({ key: 'meal', template: 'light-meal', toEscort: true })] } }));
    expect(message).toContain('clinic clinic-t: session step "meal" goes to the escort but template "light-meal-escort" is missing');
  });

  it('accepts a toEscort step whose -escort template exists', () => {
    const plans = { session: [step({ key: 'drive', template: 'no-driving', toEscort: true })] };
    expect(resolveClinics({ clinics: [clinic({ plans })] }).get('clinic-t')?.plans.session[0]?.toEscort).toBe(true);
  });

  it('names the template problems of every clinic in one message', () => {
    const message = refusal(
      clinic({ id: 'one', plans: { session: [step({ template: 'typo-one' })] } }),
      clinic({ id: 'two', plans: { session: [step({ template: 'typo-two' })] } }),
    );
    expect(message).toContain('clinic one: session step "custom" names missing template "typo-one"');
    expect(message).toContain('clinic two: session step "custom" names missing template "typo-two"');
  });

  it.each([
    { case: 'an escalation contact with neither phone nor email', input: clinic({ escalation: { contacts: [{ name: 'Nobody' }] } }),
      path: 'clinics.0.escalation.contacts.0', says: 'needs a phone or an email' },
    { case: 'a last resort with neither phone nor email', input: clinic({ escalation: { contacts: [{ name: 'N', phone: '+15550002222' }], lastResort: { name: 'Nobody' } } }),
      path: 'clinics.0.escalation.lastResort', says: 'needs a phone or an email' },
    { case: 'a closeReviewsAfter that is no duration', input: clinic({ escalation: { contacts: [{ name: 'N', phone: '+15550002222' }], closeReviewsAfter: 'a week' } }),
      path: 'clinics.0.escalation.closeReviewsAfter', says: '' },
    { case: 'no escalation contacts', input: clinic({ escalation: { contacts: [] } }),
      path: 'clinics.0.escalation.contacts', says: 'at least one escalation contact' },
    { case: 'an unknown clinic field', input: clinic({ fax: '+15550001111' }), path: 'clinics.0', says: '"fax"' },
    { case: 'an unknown contact field', input: { ...clinic(), escalation: { contacts: [{ name: 'N', phone: '+15550002222', pager: '1' }] } },
      path: 'clinics.0.escalation.contacts.0', says: '"pager"' },
    { case: 'a bad apiKeySha256', input: clinic({ apiKeySha256: 'ABC' }), path: 'clinics.0.apiKeySha256', says: 'SHA-256' },
    { case: 'a bad timezone', input: clinic({ timezone: 'Mars/Olympus' }), path: 'clinics.0.timezone', says: 'IANA' },
    { case: 'quiet hours starting at 25:00', input: clinic({ quietHours: { start: '25:00', end: '08:00' } }),
      path: 'clinics.0.quietHours.start', says: 'HH:mm' },
    { case: 'duplicate step keys', input: clinic({ plans: { session: [step({ key: 'twice' }), step({ key: 'twice', after: 'PT2H' })] } }),
      path: 'clinics.0.plans.session.1.key', says: 'duplicate step key "twice"' },
    { case: 'an empty plan', input: clinic({ plans: { session: [] } }), path: 'clinics.0.plans.session', says: '' },
    { case: 'a bad clinic id', input: clinic({ id: 'clinic:a' }), path: 'clinics.0.id', says: 'letters, digits' },
  ])('refuses $case, naming $path', ({ input, path, says }) => {
    const message = refusal(input);
    expect(message).toMatch(/^Invalid clinic file:\n/);
    expect(message).toMatch(new RegExp(`${path.replaceAll('.', '\\.')}: [^\\n]*${says.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it.each([
    { case: 'a clinic field', input: { clinics: [clinic({ timezone: 'Mars/Olympus' })] } },
    { case: 'a top-level unknown key', input: { clinics: [clinic()], extra: true } },
  ])('writes the path of $case once, without a doubled or dangling "clinics."', ({ input }) => {
    expect(problemOf(() => resolveClinics(input))).not.toMatch(/clinics\.clinics|clinics\.:/);
  });

  it('refuses duplicate clinic ids, naming the id', () => {
    expect(refusal(clinic(), clinic())).toContain('clinic clinic-t: listed twice');
  });

  it('refuses a file with no clinics', () => {
    expect(problemOf(() => resolveClinics({ clinics: [] }))).toMatch(/clinics: Too small: expected array to have >=1 items/);
  });

  it('names the source in the message', () => {
    expect(problemOf(() => resolveClinics({ clinics: [] }, 'CLINICS_FILE x.json'))).toMatch(/^Invalid CLINICS_FILE x\.json:/);
  });
});

describe('loadClinics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-clinics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the shipped example file', () => {
    expect(loadClinics('config/clinics.example.json').get('clinic-a')?.name).toBe('Riverside Clinic');
  });

  it('refuses a missing file with a sentence naming it', () => {
    const path = join(dir, 'missing.json');
    expect(problemOf(() => loadClinics(path))).toBe(`Cannot read CLINICS_FILE ${path}: no such file.`);
  });

  it('refuses invalid JSON with a sentence naming the file', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "clinics": [ ');
    expect(problemOf(() => loadClinics(path))).toMatch(new RegExp(`^CLINICS_FILE ${path.replaceAll('.', '\\.')} is not valid JSON: .+`));
  });

  it('names the file when its content is invalid', () => {
    const path = join(dir, 'empty.json');
    writeFileSync(path, JSON.stringify({ clinics: [clinic({ timezone: 'Nowhere' })] }));
    expect(problemOf(() => loadClinics(path))).toMatch(new RegExp(`^Invalid CLINICS_FILE ${path.replaceAll('.', '\\.')}:\\n.*timezone`));
  });
});

describe('staff accounts', () => {
  it('refuses a staff username used at two clinics, since the username picks the clinic', () => {
    const member = { username: 'jo', name: 'Jo Rivera', passwordHash: 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g' };
    const a = { ...JSON.parse(readFileSync('config/clinics.example.json', 'utf8')).clinics[0], staff: [member] };
    const b = { ...JSON.parse(readFileSync('config/clinics.example.json', 'utf8')).clinics[1], staff: [member] };
    expect(() => resolveClinics({ clinics: [a, b] })).toThrow('staff username "jo" is already used at clinic clinic-a');
  });
});
