import { describe, expect, it } from 'vitest';
import type { Locale } from '../../core/events.ts';
import { renderEmail, renderSms } from '../../core/render.ts';
import { namesDrug, smsSegments } from '../../core/sms-segments.ts';
import { sampleVars } from '../../templates/check.ts';
import { findTemplate, templateKeys, type TemplateKey } from '../../templates/index.ts';
import type { MessageTemplate, MessageVars } from '../../templates/template.ts';

const vars = (overrides: Partial<MessageVars> = {}): MessageVars => ({ ...sampleVars, ...overrides });

const greeting: MessageTemplate = {
  sms: (v) => `  Hi ${v.firstName},  this is ${v.clinicName}.   Call ${v.clinicPhone}. \n`,
  email: {
    subject: (v) => `${v.clinicName}: hello`,
    text: (v) => `Hi ${v.firstName},\n\nThis is "${v.clinicName}" & friends.\nCall ${v.clinicPhone}.\n\n\n\nBye`,
  },
};

const locales: Locale[] = ['en', 'es'];
const everyTemplate = locales.flatMap((locale) =>
  templateKeys.map((key) => ({ locale, key, template: findTemplate(key, locale) as MessageTemplate })),
);

// The plan messages speak of the session or of stopping; the rest have no reason to.
const mentionsTreatment: Record<Locale, TemplateKey[]> = {
  en: ['no-driving', 'no-driving-escort', 'light-meal', 'checkin-24h', 'withdrawal-checkin', 'week-two-stabilisation'],
  // The Spanish 24-hour check-in has no room for it within three UCS-2 segments.
  es: ['no-driving', 'no-driving-escort', 'light-meal', 'withdrawal-checkin', 'week-two-stabilisation'],
};

describe('renderSms', () => {
  it('fills the vars, trims and collapses accidental double spaces', () => {
    expect(renderSms(greeting, vars({ firstName: 'Sam', clinicName: 'Riverside Clinic' }))).toBe(
      'Hi Sam, this is Riverside Clinic. Call +15550001111.',
    );
  });
});

describe('renderEmail', () => {
  const email = renderEmail(greeting, vars({ firstName: '<b>&', clinicName: "O'Neil Clinic" }));

  it('keeps the plain text as written, with the vars filled', () => {
    expect(email.text).toBe(`Hi <b>&,\n\nThis is "O'Neil Clinic" & friends.\nCall +15550001111.\n\nBye`);
    expect(email.subject).toBe("O'Neil Clinic: hello");
  });

  it('escapes & < > " and \' in the HTML part', () => {
    expect(email.html).toContain('Hi &lt;b&gt;&amp;,');
    expect(email.html).toContain('This is &quot;O&#39;Neil Clinic&quot; &amp; friends.');
    expect(email.html).not.toContain('<b>&');
  });

  it('turns blank-line-separated paragraphs into <p> and single breaks into <br>', () => {
    expect(email.html.match(/<p[ >]/g)).toHaveLength(3);
    expect(email.html).toContain('friends.<br>\nCall');
  });
});

describe('shipped templates', () => {
  it.each(everyTemplate)('$locale $key keeps the drug out of SMS when the clinic has not opted in', ({ template }) => {
    expect(namesDrug(renderSms(template, vars({ namesTreatment: false })))).toBeUndefined();
  });

  it.each(locales.flatMap((locale) => mentionsTreatment[locale].map((key) => ({ locale, key }))))(
    '$locale $key names the treatment in SMS when the clinic opts in',
    ({ locale, key }) => {
      const template = findTemplate(key, locale) as MessageTemplate;
      expect(namesDrug(renderSms(template, vars({ namesTreatment: true })))).toMatch(/^ketamin[ae]$/);
    },
  );

  it.each(everyTemplate)('$locale $key greets the person by name and names the clinic', ({ template }) => {
    const sms = renderSms(template, vars());
    const email = renderEmail(template, vars());
    expect(sms).toContain(sampleVars.firstName);
    expect(sms).toContain(sampleVars.clinicName);
    expect(email.text).toContain(sampleVars.firstName);
    expect(email.text).toContain(sampleVars.clinicName);
  });

  it.each(everyTemplate.filter((t) => t.locale === 'en'))('en $key SMS uses only GSM-7 characters', ({ template }) => {
    expect(smsSegments(renderSms(template, vars({ namesTreatment: true }))).ucs2Characters).toEqual([]);
  });

  it.each([
    { locale: 'en' as const, key: 'crisis-reply' as const },
    { locale: 'es' as const, key: 'crisis-reply' as const },
    { locale: 'en' as const, key: 'crisis-reply-other' as const },
    { locale: 'es' as const, key: 'crisis-reply-other' as const },
  ])('$locale crisis reply gives the emergency number, the crisis line and the Crisis Text Line', ({ locale, key }) => {
    const sms = renderSms(findTemplate(key, locale) as MessageTemplate, vars({ emergencyPhone: '911', crisisLine: '988' }));
    expect(sms).toMatch(/\b911\b/);
    expect(sms).toMatch(/\b988\b/);
    expect(sms).toContain('HOME');
    expect(sms).toContain('741741');
  });

  it('addresses the escort by name and speaks of the patient', () => {
    const sms = renderSms(findTemplate('no-driving-escort', 'en') as MessageTemplate, vars({ escortName: 'Alex', firstName: 'Sam' }));
    expect(sms).toMatch(/^Hi Alex,/);
    expect(sms).toContain('Sam');
  });
});
