import { z } from 'zod';
import { cessationStartedSchema, clinicEventSchema, escortSchema, idSchema, patientSchema, planCancelledSchema, sessionCompletedSchema } from '../../core/events.ts';
import type { EscalationKind } from '../../core/escalation.ts';
import { phoneSchema } from '../../core/phone.ts';
import { isoInstantSchema, timeZoneSchema } from '../../core/time-zone.ts';
import { errorCatalogue } from '../../lib/errors.ts';
import { timelineKinds } from '../../store/timeline.ts';
import type { Accepted } from '../accept-event.ts';
import type { PlanPreview } from '../preview-plan.ts';

export type JsonSchema = z.core.JSONSchema.BaseSchema;

// Descriptions live in this registry, not zod's global one, so documenting never changes a validating schema.
export const docs = z.registry<{ id?: string; description?: string }>();
function doc<S extends z.ZodType>(schema: S, meta: { id?: string; description?: string }): S {
  docs.add(schema, meta);
  return schema;
}

const utc = (what: string) => doc(z.string(), { description: `${what} (ISO-8601, UTC).` });

// --- Response shapes the routes build by hand, typed against the routes' own types where they have one.
// Not strict: clients should accept fields added later.
export const errorSchema = doc(z.object({
  error: z.object({
    code: z.enum(Object.keys(errorCatalogue)),
    message: doc(z.string(), { description: 'One sentence for a human; do not parse it, branch on `code`.' }),
    fields: doc(z.array(z.object({ path: z.string(), message: z.string() })).optional(), {
      description: 'With `invalid-input`: every bad field by dotted path (e.g. `patient.phone`; `(body)` for the body as a whole).',
    }),
  }),
}), { id: 'Error', description: 'Every failure has this shape.' });

export const acceptedSchema: z.ZodType<Accepted> = doc(z.object({
  eventId: z.string(),
  duplicate: doc(z.boolean(), { description: 'True when this id had already been accepted with the same content: nothing new was scheduled.' }),
}), { id: 'Accepted', description: 'The event is stored; its messages will be scheduled.' });

export const planPreviewSchema: z.ZodType<PlanPreview> = doc(z.object({
  plan: z.enum(['session', 'cessation']),
  reference: doc(z.string(), { description: 'The session or cessation id the plan is keyed by.' }),
  timezone: doc(z.string(), { description: "The IANA zone the schedule is resolved in (the patient's, else the clinic's)." }),
  steps: z.array(z.object({
    key: z.string(),
    template: z.string(),
    recipient: z.enum(['patient', 'escort']),
    channel: z.string(),
    sendAt: utc('When it will be sent'),
    sendAtLocal: doc(z.string(), { description: 'The same time in the patient’s zone, with its offset.' }),
    status: doc(z.enum(['scheduled', 'expired']), { description: '`expired`: its time has passed long enough ago that it will not be sent.' }),
    deferredForQuietHours: doc(z.boolean(), { description: "Moved out of the clinic's quiet hours or a state's calling hours." }),
    deferredBy: doc(z.string().optional(), { description: 'Which rule moved it: `clinic-quiet-hours`, or `state:XX` for a state\'s calling-hour law (by the number\'s area code or the zone).' }),
    reason: z.string().optional(),
  })),
}), { id: 'PlanPreview', description: 'The resolved schedule of an event; nothing is stored.' });

// Listed for readers, not as an enum: new kinds may appear, so clients should show unknown ones as text.
export const timelineSchema = doc(z.object({
  clinicId: z.string(),
  patientId: z.string(),
  timezone: doc(z.string(), { description: "The patient's IANA zone (else the clinic's); `atLocal` uses it." }),
  entries: z.array(z.object({
    at: utc('When it happened'),
    atLocal: doc(z.string().nullable(), { description: 'The same time in the patient’s zone, with its offset.' }),
    kind: doc(z.string(), { description: `What happened; one of ${timelineKinds.join(', ')}.` }),
    stepId: z.string().nullable(),
    detail: doc(z.record(z.string(), z.unknown()), { description: 'Ids, templates, channels, times, reasons and reply text; never a phone number or email address.' }),
    dueAtLocal: doc(z.string().optional(), { description: 'With scheduled steps: the due time in the patient’s zone.' }),
  })),
}), { id: 'Timeline', description: 'Oldest first: scheduled, sent, delivered, replied, escalated, acknowledged.' });

export const escalationListSchema = doc(z.object({
  escalations: z.array(z.object({
    id: z.string(),
    patientId: z.string(),
    kind: doc(z.enum(['urgent', 'attention', 'review', 'unreachable'] satisfies EscalationKind[]), { description: '`urgent` (e.g. a reply about self-harm) first.' }),
    reason: z.string(),
    code: z.string(),
    status: z.enum(['open', 'acknowledged']),
    raisedAt: utc('When it was raised'),
    notifiedRounds: doc(z.number().int(), { description: 'How many times on-call staff have been alerted so far.' }),
  })),
}), { id: 'EscalationList', description: 'Open escalations of your clinic.' });

// Validates the acknowledgement request in clinic-api.ts too: one schema for both.
export const ackRequestSchema = doc(z.strictObject({
  by: doc(z.string().trim().min(1).max(80).default('API'), { description: 'Who acknowledges, shown on the timeline.' }),
}), { id: 'AckRequest' });

export const acknowledgementSchema = doc(z.object({
  id: z.string(),
  status: doc(z.enum(['open', 'acknowledged', 'closed']), { description: '`closed`: a review nobody acknowledged within the clinic\'s closeReviewsAfter.' }),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: utc('When it was acknowledged').optional(),
}), { id: 'Acknowledgement', description: 'Acknowledging twice answers the first acknowledgement again.' });

export const healthSchema = doc(z.object({ status: z.enum(['ok', 'stalled']), reason: z.string().optional() }), { id: 'Health' });
export const readinessSchema = doc(z.object({
  status: z.enum(['ready', 'not ready']),
  checks: doc(z.record(z.string(), z.boolean()), { description: 'database, redis, onTime (no step overdue over 5 minutes) and, where workers run, workers.' }),
}), { id: 'Readiness' });

// Validate the webhook forms in twilio-webhooks.ts too; Twilio sends more fields, which are ignored.
const messageSid = doc(z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/), { description: 'Twilio message SID.' });
export const twilioInboundSchema = doc(z.looseObject({ MessageSid: messageSid, From: z.string().min(1).max(40), Body: z.string().max(10_000).optional() }),
  { id: 'TwilioInbound', description: 'An SMS a patient sent (Twilio "A message comes in" webhook).' });
export const twilioStatusSchema = doc(z.looseObject({ MessageSid: messageSid, MessageStatus: z.string().min(1), ErrorCode: z.string().regex(/^\d{1,10}$/).optional() }),
  { id: 'TwilioStatus', description: 'A delivery report (Twilio status callback).' });

// --- The request schemas: the very ones that validate events.
doc(idSchema, { description: '1 to 128 letters, digits, `.`, `_`, `~` or `-`.' });
doc(isoInstantSchema, { description: 'ISO-8601 date-time WITH an offset: `2026-11-23T15:30:00-07:00` or `…Z`. A time without an offset is rejected, never guessed.' });
doc(timeZoneSchema, { description: 'IANA time zone name such as `America/Denver` (not `MST` or `-07:00`). Defaults to the clinic’s zone.' });
doc(phoneSchema.in, { description: 'E.164 (`+15551234567`); a US national number is accepted and normalised to E.164.' });
doc(patientSchema, { id: 'Patient', description: '`phone` is required when `channel` is `sms`, `email` when it is `email`. SMS is sent only with `smsConsent: true`; otherwise email is used when present.' });
doc(escortSchema, { id: 'Escort', description: 'The person taking the patient home; gets the no-driving reminder.' });
doc(sessionCompletedSchema, { id: 'SessionCompleted', description: 'A treatment session ended: starts the after-session plan, timed from `session.endedAt`.' });
doc(cessationStartedSchema, { id: 'CessationStarted', description: 'The patient stopped treatment: starts the cessation plan, timed from `cessation.lastUseAt`.' });
doc(planCancelledSchema, { id: 'PlanCancelled', description: 'Cancels the unsent messages of the plan keyed by `reference` (a session or cessation id).' });
doc(clinicEventSchema, { id: 'ClinicEvent', description: 'One event, chosen by `type`. Unknown fields are rejected (400), at every level.' });

const fieldDescriptions: Record<string, Record<string, string>> = {
  Patient: {
    id: 'Your patient id, the same in every event about this patient.',
    firstName: 'Used in the messages ("Hi Sam, …").',
    locale: 'Language of the messages.',
    channel: 'Where messages go first.',
    smsConsent: 'The patient agreed to receive SMS; without it only email is sent.',
  },
  SessionCompleted: { 'session.endedAt': 'When the session ended; message offsets count from here.', 'session.id': 'Your session id; `plan.cancelled` refers to it.' },
  CessationStarted: { 'cessation.lastUseAt': 'The last dose; message offsets count from here.', 'cessation.id': 'Your id for this cessation; `plan.cancelled` refers to it.' },
  PlanCancelled: { reference: 'The `session.id` or `cessation.id` whose plan to cancel.' },
};
const common = {
  id: 'Your unique id for this event: the idempotency key. Re-sending the same event with the same id is safe (202, `duplicate: true`); the same id with other content is a 409.',
  clinicId: 'Your clinic id; must be the clinic the API key belongs to (else 403).',
};

/** Sets a description on a property given by a dotted path, copying objects so shared nodes stay untouched. */
function describeAt(schema: JsonSchema, path: string[], text: string): JsonSchema {
  const [head, ...rest] = path;
  const prop = head === undefined ? undefined : schema.properties?.[head];
  if (head === undefined || prop === undefined || typeof prop === 'boolean') return schema;
  const next = rest.length === 0 ? { ...prop, description: text } : describeAt(prop, rest, text);
  return { ...schema, properties: { ...schema.properties, [head]: next } };
}

/**
 * The named schemas, as `app.addSchema` takes them: each `$id` is its name in the document's
 * components, and routes point at one with `ref(name)`.
 */
export function sharedSchemas(): Array<JsonSchema & { $id: string }> {
  const generated = z.toJSONSchema(docs, { target: 'draft-2020-12', io: 'input', metadata: docs, uri: (id) => `${id}#` });
  return Object.entries(generated.schemas).map(([name, schema]) => {
    const { $schema: _dialect, $id: _id, ...rest } = schema;
    const isEvent = name === 'SessionCompleted' || name === 'CessationStarted' || name === 'PlanCancelled';
    const fields = { ...(isEvent ? common : {}), ...fieldDescriptions[name] };
    const described = Object.entries(fields).reduce<JsonSchema>((s, [path, text]) => describeAt(s, path.split('.'), text), rest);
    if (name === 'ClinicEvent') {
      const mapping = { 'session.completed': 'SessionCompleted', 'cessation.started': 'CessationStarted', 'plan.cancelled': 'PlanCancelled' };
      described.discriminator = { propertyName: 'type', mapping: Object.fromEntries(Object.entries(mapping).map(([k, v]) => [k, `#/components/schemas/${v}`])) };
    }
    return { $id: name, ...described };
  });
}
