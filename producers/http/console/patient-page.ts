import { z } from 'zod';
import type { Clinic } from '../../../config/clinics.ts';
import type { EscalationKind } from '../../../core/escalation.ts';
import type { PatientRecord } from '../../../store/patients.ts';
import type { TimelineKind, TimelineRow } from '../../../store/timeline.ts';
import { html, type SafeHtml } from './html.ts';
import { kindWords } from './inbox.ts';
import { clinicTime } from './layout.ts';

const entryWords: Record<TimelineKind, string> = {
  'event.accepted': 'Clinic event received',
  'step.scheduled': 'Message scheduled',
  'step.deferred': 'Message moved out of quiet hours',
  'step.sent': 'Message sent',
  'step.skipped': 'Message not sent',
  'step.expired': 'Message dropped: too late to help',
  'step.cancelled': 'Message cancelled',
  'step.failed': 'Message could not be sent',
  'delivery.failed': 'Delivery failed',
  'delivery.updated': 'Delivery report',
  'plan.cancelled': 'Plan cancelled',
  'reply.received': 'Patient replied',
  'reply.answered': 'Automatic answer sent to the patient',
  'patient.opted-out': 'Patient opted out of SMS',
  'patient.opted-in': 'Patient opted back in to SMS',
  'checkin.reminded': 'Check-in reminder sent',
  'escalation.raised': 'Escalation raised for staff',
  'escalation.notified': 'Staff notified',
  'escalation.acknowledged': 'Escalation acknowledged',
  'escalation.closed': 'Review closed: nobody acknowledged it in time',
  'escalation.contact-unreachable': 'Staff contact could not be reached; the next one was told',
  'escalation.exhausted': 'Every contact tried, nobody acknowledged; still re-notifying',
  'escalation.call': 'Staff call',
};
const isEscalationKind = (kind: string): kind is EscalationKind => Object.hasOwn(kindWords, kind);
const isKnownKind = (kind: string): kind is TimelineKind => Object.hasOwn(entryWords, kind);

// Timeline detail is what our own workers wrote; read it leniently so one odd entry never hides the rest.
const text = z.string().optional().catch(undefined);
const detailSchema = z.object({
  type: text, key: text, template: text, recipient: text, channel: text, reason: text, dueAt: text, status: text, errorCode: text,
  text: text, classification: text, contact: text, by: text, via: text, code: text, kind: text, reference: text,
  score: z.number().optional().catch(undefined),
  round: z.number().optional().catch(undefined),
  channels: z.array(z.string()).optional().catch(undefined),
});

const channelWords = (channels: string[]) => channels.map((c) => (c === 'sms' ? 'SMS' : c)).join(' and ');

/** One line of plain words about an entry, from whichever detail fields it carries. */
function describe(kind: string, raw: Record<string, unknown>, zone: string): string {
  const d = detailSchema.parse(raw);
  const parts: string[] = [];
  if (d.type) parts.push(d.type.replace('.', ' '));
  if (d.contact) parts.push(d.contact);
  if (d.key) parts.push(`"${d.key}"`);
  if (d.recipient === 'escort') parts.push('to the escort');
  if (d.channels?.length) parts.push(`by ${channelWords(d.channels)}`);
  else if (d.channel) parts.push(`by ${channelWords([d.channel])}`);
  if (d.round) parts.push(`(round ${d.round})`);
  if (d.dueAt && kind !== 'step.sent') parts.push(`due ${clinicTime(d.dueAt, zone)}`);
  if (d.status) parts.push(`status ${d.status}`);
  if (d.kind) parts.push(isEscalationKind(d.kind) ? `${kindWords[d.kind]}:` : `(${d.kind})`);
  if (d.reason) parts.push(d.reason);
  if (d.classification) parts.push(`read as ${d.classification}${d.score !== undefined ? ` ${d.score} of 5` : ''}`);
  if (d.by) parts.push(`by ${d.by}${d.via ? ` via ${d.via}` : ''}`);
  if (d.code) parts.push(`· code ${d.code}`);
  if (d.reference) parts.push(`reference ${d.reference}`);
  if (d.errorCode) parts.push(`error ${d.errorCode}`);
  return parts.join(' ');
}

function entry(e: TimelineRow, zone: string): SafeHtml {
  // An SMS opt-out comes by reply; an email one by the link every patient email carries.
  const emailOptOut = e.kind === 'patient.opted-out' && e.detail.channel === 'email';
  const words = emailOptOut ? 'Patient opted out of email' : isKnownKind(e.kind) ? entryWords[e.kind] : e.kind;
  const reply = e.kind === 'reply.received' && typeof e.detail.text === 'string' ? e.detail.text : undefined;
  return html`<li>
  <time datetime="${e.at}">${clinicTime(e.at, zone)}</time>
  <strong>${words}</strong> ${emailOptOut ? 'with the unsubscribe link of an email' : describe(e.kind, e.detail, zone)}
  ${reply !== undefined && html`<blockquote aria-label="Their reply">${reply}</blockquote>`}
</li>`;
}

/** Who the patient is and everything that happened, oldest first, in the clinic's time zone. */
export function patientPage(patient: PatientRecord, timeline: TimelineRow[], clinic: Clinic, consent?: SafeHtml): SafeHtml {
  const zone = clinic.timezone;
  return html`<h1>${patient.firstName} <span class="note">(${patient.id})</span></h1>
<dl class="facts">
  <dt>Prefers</dt><dd>${patient.channel === 'sms' ? 'SMS' : 'Email'}</dd>
  <dt>SMS</dt><dd>${patient.smsOptedOutAt ? `opted out ${clinicTime(patient.smsOptedOutAt, zone)}` : patient.smsConsent ? 'consented' : 'no consent'}</dd>
  <dt>Email</dt><dd>${!patient.email ? 'none on file' : patient.emailOptedOut ? 'opted out' : 'on file'}</dd>
  <dt>Patient's time zone</dt><dd>${patient.timezone ?? `${zone} (clinic default)`}</dd>
</dl>
${consent}
<h2>Timeline</h2>
<p class="note">Times are clinic time (${zone}), oldest first.</p>
${timeline.length === 0 ? html`<p>Nothing recorded yet.</p>` : html`<ol class="timeline">${timeline.map((e) => entry(e, zone))}</ol>`}`;
}
