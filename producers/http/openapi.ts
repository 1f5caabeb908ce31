import { z } from 'zod';
import { cessationStartedSchema, clinicEventSchema, escortSchema, idSchema, patientSchema, planCancelledSchema, sessionCompletedSchema } from '../../core/events.ts';
import type { EscalationKind } from '../../core/escalation.ts';
import { phoneSchema } from '../../core/phone.ts';
import { isoInstantSchema, timeZoneSchema } from '../../core/time-zone.ts';
import { errorCatalogue, type ErrorCode } from '../../lib/errors.ts';
import { timelineKinds } from '../../store/timeline.ts';
import type { Accepted } from '../accept-event.ts';
import type { PlanPreview } from '../preview-plan.ts';
import { ehrPaths, ehrTag } from './ehr-openapi.ts';

type JsonSchema = z.core.JSONSchema.BaseSchema;

// Descriptions live in this registry, not zod's global one, so documenting never changes a validating schema.
const docs = z.registry<{ id?: string; description?: string }>();
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
    deferredForQuietHours: doc(z.boolean(), { description: "Moved out of the clinic's quiet hours." }),
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

function componentSchemas(): Record<string, JsonSchema> {
  const generated = z.toJSONSchema(docs, { target: 'draft-2020-12', io: 'input', metadata: docs, uri: (id) => `#/components/schemas/${id}` });
  const out: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(generated.schemas)) {
    // `$id` with a fragment is not a valid JSON Schema id; the components' place in the document names them.
    const { $schema: _dialect, $id: _id, ...rest } = schema;
    const isEvent = name === 'SessionCompleted' || name === 'CessationStarted' || name === 'PlanCancelled';
    const fields = { ...(isEvent ? common : {}), ...fieldDescriptions[name] };
    out[name] = Object.entries(fields).reduce<JsonSchema>((s, [path, text]) => describeAt(s, path.split('.'), text), rest);
  }
  const event = out.ClinicEvent;
  if (event) {
    const mapping = { 'session.completed': 'SessionCompleted', 'cessation.started': 'CessationStarted', 'plan.cancelled': 'PlanCancelled' };
    event.discriminator = { propertyName: 'type', mapping: Object.fromEntries(Object.entries(mapping).map(([k, v]) => [k, `#/components/schemas/${v}`])) };
  }
  return out;
}

/** A JSON Schema of one of the request-validating schemas, for a parameter. */
export function parameterSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', metadata: docs });
  return rest;
}

const codeMeaning: Record<ErrorCode, string> = {
  'invalid-input': 'The body, a parameter or a field is invalid; `fields` names each problem.',
  'unauthenticated': 'No API key, or a key no clinic has.',
  'forbidden': "The key belongs to another clinic than the event's `clinicId`; for webhooks, a missing or wrong signature.",
  'not-found': "No such route, patient or escalation at your clinic (another clinic's look the same).",
  'event-id-reused': 'This event id was already accepted with different content: a new event needs a new id.',
  'body-too-large': 'The body is over the size limit (64 KiB unless the operator changed it).',
  'rate-limited': 'Too many requests for this API key this minute; wait `Retry-After` seconds.',
  'database-unavailable': 'The database did not answer; nothing was stored. Retry later with the same event id.',
  'redis-unavailable': 'The queue store did not answer. Retry later.',
  'config-invalid': 'The service is misconfigured; tell its operator.',
  'internal': 'An unexpected failure; nothing was changed. Retry later with the same event id.',
};

const isErrorCode = (key: string): key is ErrorCode => key in errorCatalogue;

function errorResponses() {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of Object.keys(errorCatalogue).filter(isErrorCode)) {
    const status = errorCatalogue[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const rateHeaders = {
    'retry-after': { description: 'Seconds until a request may succeed.', schema: { type: 'integer' } },
    'x-ratelimit-limit': { description: 'Requests allowed a minute per API key.', schema: { type: 'integer' } },
    'x-ratelimit-remaining': { description: 'Requests left in this minute.', schema: { type: 'integer' } },
    'x-ratelimit-reset': { description: 'Seconds until the window resets.', schema: { type: 'integer' } },
  };
  return Object.fromEntries([...byStatus].map(([status, codes]) => [`Error${status}`, {
    description: codes.map((c) => `\`${c}\`: ${codeMeaning[c]}`).join(' '),
    ...(status === 429 ? { headers: rateHeaders } : {}),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  }]));
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string, description: string) => ({ description, content: { 'application/json': { schema: ref(name) } } });
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/Error${s}` }]));
const open = { security: [] };
// Open unless the operator set OPERATIONS_TOKEN.
const operator = { security: [{}, { operationsToken: [] }] };

const examplePatient = { id: 'p-123', firstName: 'Sam', phone: '+15551234567', email: 'sam@example.org', timezone: 'America/Denver', locale: 'en', channel: 'sms', smsConsent: true };
const eventBody = {
  required: true,
  content: { 'application/json': { schema: ref('ClinicEvent'), examples: {
    session: { summary: 'A session ended', value: { type: 'session.completed', id: 'evt-example-1', clinicId: 'clinic-a', patient: examplePatient,
      escort: { name: 'Alex', phone: '+15557654321' }, session: { id: 's-1', endedAt: '2026-11-23T15:30:00-07:00', modality: 'iv' } } },
    cessation: { summary: 'Treatment stopped', value: { type: 'cessation.started', id: 'evt-example-2', clinicId: 'clinic-a', patient: examplePatient,
      cessation: { id: 'c-1', lastUseAt: '2026-12-01T09:00:00-07:00' } } },
    cancel: { summary: 'Cancel a plan', value: { type: 'plan.cancelled', id: 'evt-example-3', clinicId: 'clinic-a', patientId: 'p-123', reference: 's-1' } },
  } } },
};
const twilioSignature = { name: 'X-Twilio-Signature', in: 'header', required: true, schema: { type: 'string' },
  description: 'HMAC-SHA1 of the public URL and form fields with the Twilio auth token; a missing or wrong one is a 403.' };
const unsubscribeToken = { name: 'token', in: 'path', required: true, schema: { type: 'string' },
  description: 'Clinic, patient and channel with their HMAC, as written into the List-Unsubscribe header of a patient email.' };
const page = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const form = (name: string) => ({ required: true, content: { 'application/x-www-form-urlencoded': { schema: ref(name) } } });

function paths(idParam: JsonSchema) {
  return {
    '/v1/events': { post: {
      tags: ['Events'], operationId: 'sendEvent', summary: 'Send one clinic event',
      description: 'Accepted once stored durably (even while the queue is down); messages then follow at their times. Safe to retry with the same `id`.',
      requestBody: eventBody,
      responses: { '202': json('Accepted', 'Accepted now, or earlier (`duplicate: true`).'), ...errors(400, 401, 403, 409, 413, 429, 500, 503) },
    } },
    '/v1/plans/preview': { post: {
      tags: ['Plans'], operationId: 'previewPlan', summary: 'Preview the schedule an event would produce',
      description: 'The same body as `POST /v1/events`; stores and sends nothing, so the id need not be new. `plan.cancelled` has no plan (400).',
      requestBody: eventBody,
      responses: { '200': json('PlanPreview', 'The resolved schedule.'), ...errors(400, 401, 403, 413, 429, 500) },
    } },
    '/v1/patients/{patientId}/timeline': { get: {
      tags: ['Patients'], operationId: 'getPatientTimeline', summary: "A patient's timeline",
      parameters: [{ name: 'patientId', in: 'path', required: true, description: 'The `patient.id` you sent.', schema: idParam }],
      responses: { '200': json('Timeline', 'Everything that happened, oldest first.'), ...errors(400, 401, 404, 429, 500, 503) },
    } },
    '/v1/escalations': { get: {
      tags: ['Escalations'], operationId: 'listEscalations', summary: 'Open escalations',
      parameters: [{ name: 'status', in: 'query', required: false, description: 'Only `open` is listed.', schema: { type: 'string', enum: ['open'], default: 'open' } }],
      responses: { '200': json('EscalationList', 'Open escalations, oldest first.'), ...errors(400, 401, 429, 500, 503) },
    } },
    '/v1/escalations/{id}/ack': { post: {
      tags: ['Escalations'], operationId: 'acknowledgeEscalation', summary: 'Acknowledge an escalation',
      description: 'Stops the repeated alerts and records who acknowledged on the patient’s timeline.',
      parameters: [{ name: 'id', in: 'path', required: true, description: 'An escalation id from `GET /v1/escalations`.', schema: { type: 'string' } }],
      requestBody: { required: false, content: { 'application/json': { schema: ref('AckRequest') } } },
      responses: { '200': json('Acknowledgement', 'Acknowledged (now or before).'), ...errors(400, 401, 404, 429, 500, 503) },
    } },
    '/webhooks/twilio/inbound': { post: {
      ...open, tags: ['Twilio webhooks'], operationId: 'twilioInbound', summary: 'Inbound SMS from a patient',
      parameters: [twilioSignature], requestBody: form('TwilioInbound'),
      responses: {
        '200': { description: 'TwiML; holds a `<Message>` when the reply calls for an immediate answer (STOP, crisis guidance).', content: { 'text/xml': { schema: { type: 'string' } } } },
        ...errors(400, 403),
      },
    } },
    '/webhooks/twilio/status': { post: {
      ...open, tags: ['Twilio webhooks'], operationId: 'twilioStatus', summary: 'Delivery report for a sent SMS',
      parameters: [twilioSignature], requestBody: form('TwilioStatus'),
      responses: { '204': { description: 'Recorded, or ignored (a status or message this service does not track).' }, ...errors(400, 403) },
    } },
    '/unsubscribe/{token}': {
      get: {
        ...open, tags: ['Patient links'], operationId: 'unsubscribePage', summary: 'The page an email\'s unsubscribe link opens',
        parameters: [unsubscribeToken],
        responses: { '200': page('A "Stop emails" button; nothing changes yet.'), '403': page('The link was not signed by this service.') },
      },
      post: {
        ...open, tags: ['Patient links'], operationId: 'unsubscribe', summary: 'Stop email to the patient the link names (RFC 8058 one-click)',
        parameters: [unsubscribeToken],
        responses: { '200': page('Stopped (now or before).'), '403': page('The link was not signed by this service; nothing changed.'), '404': page('No such patient.') },
      },
    },
    '/healthz': { get: { ...open, tags: ['Operations'], operationId: 'health', summary: 'Liveness', responses: { '200': json('Health', 'The process answers.') } } },
    '/readyz': { get: {
      ...operator, tags: ['Operations'], operationId: 'readiness', summary: 'Readiness: PostgreSQL and Redis answer',
      responses: { '200': json('Readiness', 'Ready.'), '503': json('Readiness', 'Not ready; `checks` says which store is down.') },
    } },
    '/metrics': { get: {
      ...operator, tags: ['Operations'], operationId: 'metrics', summary: 'Prometheus metrics',
      responses: { '200': { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } } },
    } },
    ...ehrPaths(),
  };
}

const intro = `Send clinic events; Aftercare texts or emails the patient's follow-up messages at the right local times, collects replies and alerts on-call staff.

**Authentication.** Every \`/v1\` call takes your clinic's API key: \`Authorization: Bearer <key>\`. A key sees only its own clinic's patients and escalations.

**Idempotency.** Each event carries your own \`id\`. Sending it again (a retry after a timeout, a replayed queue) answers 202 with \`duplicate: true\` and schedules nothing new; the same id with different content is refused with 409 \`event-id-reused\`. On a 5xx or a network error, retry with the same id.

**Input rules.** JSON bodies only, at most 64 KiB. Unknown fields are rejected at every level (400), so a typo never passes silently. Times are ISO-8601 with an offset (\`2026-11-23T15:30:00-07:00\` or \`…Z\`); time zones are IANA names (\`America/Denver\`); phones are E.164 (\`+15551234567\`).

**Errors.** Every failure is \`{ "error": { "code", "message", "fields"? } }\`; branch on \`code\`, which is stable. A 400 lists every bad field by its dotted path.

**Rate limit.** Per API key per minute (600 unless the operator changed it); a 429 carries \`Retry-After\`.`;

/** The OpenAPI 3.1 description of the HTTP API, built from the schemas that validate requests. */
export function buildOpenApiDocument() {
  return {
    openapi: '3.1.0',
    info: { title: 'Aftercare API', version: '1', description: intro },
    tags: [
      { name: 'Events', description: 'What happened at the clinic.' },
      { name: 'Plans', description: 'What would be sent, and when.' },
      { name: 'Patients', description: "A patient's history." },
      { name: 'Escalations', description: 'Replies that need a human.' },
      { name: 'Twilio webhooks', description: 'Called by Twilio, signed with your Twilio auth token; not for clinic integrators.' },
      { name: 'Patient links', description: 'Opened by patients from their email; not for clinic integrators.' },
      { name: 'Operations', description: 'Health, readiness and metrics for the operator; readiness and metrics take the operations token when the operator set one.' },
      ehrTag,
    ],
    security: [{ clinicApiKey: [] }],
    paths: paths(parameterSchema(idSchema)),
    components: {
      securitySchemes: {
        clinicApiKey: { type: 'http', scheme: 'bearer', description: "Your clinic's API key, from the operator." },
        operationsToken: { type: 'http', scheme: 'bearer', description: 'OPERATIONS_TOKEN, when set.' },
      },
      schemas: componentSchemas(),
      responses: errorResponses(),
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
