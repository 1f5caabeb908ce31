import { DateTime } from 'luxon';
import { resolveClinics } from '../../config/clinics.ts';
import { localeSchema } from '../../core/events.ts';
import { renderEmail, renderSms } from '../../core/render.ts';
import { smsSegments, type SmsEncoding } from '../../core/sms-segments.ts';
import { sampleVars } from '../../templates/check.ts';
import { clinicTemplate } from '../../templates/overrides.ts';
import { messageVars } from '../../templates/vars.ts';
import { previewPlan, type PlanPreview } from '../preview-plan.ts';

export interface RenderedPreview {
  template: string;
  locale: string;
  sms: string;
  segments: number;
  encoding: SmsEncoding;
  /** Characters that force UCS-2 (and so shorter segments). */
  ucs2Characters: string[];
  emailSubject: string;
}

export interface ConfigPreview {
  /** The schedule of a sample session and a sample cessation, as the changed configuration would make them. */
  plans: { session: PlanPreview; cessation: PlanPreview };
  /** Each template those plans send, rendered in every language with its SMS segment count. */
  messages: RenderedPreview[];
}

/** What a candidate configuration would send: a sample event's plans and their messages. Stores nothing. */
export function previewConfig(documents: unknown[], clinicId: string, now: Date): ConfigPreview {
  const clinics = resolveClinics({ clinics: documents }, 'clinic configuration');
  const clinic = clinics.get(clinicId)!;
  const at = DateTime.fromJSDate(now).toISO() ?? '';
  const patient = { id: 'p-preview', firstName: sampleVars.firstName, phone: '+15551234567', email: 'preview@example.org', locale: clinic.locale, channel: 'sms', smsConsent: true };
  const base = { clinicId, patient };
  const plans = {
    session: previewPlan(clinics, { ...base, type: 'session.completed', id: 'evt-preview-session',
      escort: { name: sampleVars.escortName, phone: '+15557654321' }, session: { id: 's-preview', endedAt: at, modality: 'iv' } }, clinicId, now),
    cessation: previewPlan(clinics, { ...base, type: 'cessation.started', id: 'evt-preview-cessation', cessation: { id: 'c-preview', lastUseAt: at } }, clinicId, now),
  };
  const templates = [...new Set([...plans.session.steps, ...plans.cessation.steps].map((s) => s.template))];
  const messages = templates.flatMap((key) => localeSchema.options.flatMap((locale): RenderedPreview[] => {
    const template = clinicTemplate(clinic.templates, key, locale);
    if (!template) return [];
    const vars = messageVars(clinic, sampleVars.firstName, { namesTreatment: clinic.smsNamesTreatment, escortName: sampleVars.escortName });
    const sms = renderSms(template, vars);
    const { segments, encoding, ucs2Characters } = smsSegments(sms);
    return [{ template: key, locale, sms, segments, encoding, ucs2Characters, emailSubject: renderEmail(template, { ...vars, namesTreatment: true }).subject }];
  }));
  return { plans, messages };
}
