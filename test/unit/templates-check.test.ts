import { describe, expect, it } from 'vitest';
import { defaultCarePlans } from '../../core/care-plan.ts';
import { checkTemplate, checkTemplates, sampleVars, type TemplateUse } from '../../templates/check.ts';
import { templateKeys } from '../../templates/index.ts';
import type { MessageTemplate, MessageVars } from '../../templates/template.ts';

const defaultTemplates = Object.values(defaultCarePlans).flatMap((plan) => plan.map((step) => step.template));

const use = (overrides: Partial<TemplateUse> = {}): TemplateUse => ({
  clinicId: 'clinic-a',
  namesTreatment: false,
  templates: defaultTemplates,
  ...overrides,
});

const fake = (sms: (v: MessageVars) => string): MessageTemplate => ({
  sms,
  email: { subject: (v) => `${v.clinicName}: test`, text: (v) => `Hi ${v.firstName}` },
});

describe('checkTemplates', () => {
  it.each([{ namesTreatment: false }, { namesTreatment: true }])(
    'passes the shipped templates for a clinic with namesTreatment $namesTreatment',
    ({ namesTreatment }) => {
      const result = checkTemplates([use({ namesTreatment })]);
      expect(result.lines.filter((line) => !line.startsWith('ok'))).toEqual([]);
      expect(result.ok).toBe(true);
    },
  );

  it('reports one line per template and locale, with segments and encoding', () => {
    const { lines } = checkTemplates([use()]);
    expect(lines).toHaveLength(templateKeys.length * 2);
    expect(lines).toContain('ok   clinic-a  en  light-meal  sms 2 segments (GSM-7)');
    expect(lines.find((line) => line.includes('  es  light-meal  '))).toMatch(/^ok {3}clinic-a {2}es {2}light-meal {2}sms \d segments \(UCS-2: [^)]*á[^)]*\)$/);
  });

  it('fails a clinic whose plan names a template that does not exist, naming it in every locale', () => {
    const result = checkTemplates([use({ clinicId: 'clinic-b', templates: ['no-driving', 'aftercare-typo'] })]);
    expect(result.ok).toBe(false);
    expect(result.lines).toContain('FAIL clinic-b  en  aftercare-typo  missing template');
    expect(result.lines).toContain('FAIL clinic-b  es  aftercare-typo  missing template');
  });

  it('checks every clinic on its own', () => {
    const result = checkTemplates([use({ clinicId: 'clinic-a' }), use({ clinicId: 'clinic-b', templates: ['nope'] })]);
    expect(result.lines.filter((line) => line.startsWith('FAIL')).every((line) => line.includes('clinic-b'))).toBe(true);
    expect(result.ok).toBe(false);
  });
});

describe('checkTemplate', () => {
  it.each([
    {
      name: 'fails a GSM-7 body above three segments',
      sms: (v: MessageVars) => `${v.clinicName} ${'a'.repeat(450)}`,
      namesTreatment: false,
      ok: false,
      line: /^FAIL clinic-a {2}en {2}too-long {2}sms 4 segments \(GSM-7\) > 3$/,
    },
    {
      name: 'fails a UCS-2 body above three segments and names the characters that forced it',
      sms: (v: MessageVars) => `${v.clinicName} ${'ñá'.repeat(90)}`,
      namesTreatment: false,
      ok: false,
      line: /^FAIL .* sms 4 segments \(UCS-2: á\) > 3$/,
    },
    {
      name: 'fails a body that names the drug when the clinic has not opted in',
      sms: (v: MessageVars) => `${v.clinicName}: after your Spravato dose`,
      namesTreatment: false,
      ok: false,
      line: /^FAIL .* sms 1 segment \(GSM-7\) names "Spravato" in SMS$/,
    },
    {
      name: 'passes the same body when the clinic has opted in',
      sms: (v: MessageVars) => `${v.clinicName}: after your Spravato dose`,
      namesTreatment: true,
      ok: true,
      line: /^ok {3}clinic-a {2}en {2}too-long {2}sms 1 segment \(GSM-7\)$/,
    },
    {
      name: 'fails a body that does not name the clinic',
      sms: () => 'Hello',
      namesTreatment: false,
      ok: false,
      line: /SMS does not name the clinic$/,
    },
    {
      name: 'fails a template that throws instead of rendering',
      sms: (): string => {
        throw new Error('no escort');
      },
      namesTreatment: false,
      ok: false,
      line: /^FAIL .* does not render: no escort$/,
    },
  ])('$name', ({ sms, namesTreatment, ok, line }) => {
    const result = checkTemplate('clinic-a', 'too-long', 'en', fake(sms), { ...sampleVars, namesTreatment });
    expect(result.ok).toBe(ok);
    expect(result.line).toMatch(line);
  });

  it('fails a missing template', () => {
    expect(checkTemplate('clinic-a', 'gone', 'es', undefined, sampleVars)).toEqual({
      ok: false,
      line: 'FAIL clinic-a  es  gone  missing template',
    });
  });
});
