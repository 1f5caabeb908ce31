// The EHR routes in the OpenAPI document: FHIR Subscription notifications, HL7v2 over HTTP, and
// what became of each notification.

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/Error${s}` }]));
const clinicParam = { name: 'clinicId', in: 'path', required: true, description: 'Your clinic id.', schema: { type: 'string' } };
const er7 = { 'x-application/hl7-v2+er7': { schema: { type: 'string' } } };

export const ehrTag = { name: 'EHR', description: 'Events straight from the clinic’s EHR (FHIR R4 Subscriptions, HL7v2), and mapping failures.' };

export function ehrPaths() {
  return {
    '/fhir/r4/notify/{clinicId}': { post: {
      security: [], tags: ['EHR'], operationId: 'fhirNotify', summary: 'FHIR Subscription notification (R4 backport or R4B)',
      description: 'A `history` Bundle, `id-only` or `full-resource`. Authenticated by the Subscription’s `channel.header` bearer token or an HMAC-SHA256 signature header, as the clinic file says. `handshake` and `heartbeat` are answered and nothing else; each notification event is stored once (by subscription and event number) and mapped by a worker.',
      parameters: [clinicParam],
      requestBody: { required: true, content: { 'application/fhir+json': { schema: { type: 'object' } } } },
      responses: {
        '200': { description: 'Handled: `{ type, stored?, duplicates? }`.', content: { 'application/json': { schema: { type: 'object' } } } },
        ...errors(400, 401, 413, 500, 503),
      },
    } },
    '/hl7/v2/{clinicId}': { post: {
      tags: ['EHR'], operationId: 'hl7Message', summary: 'One HL7v2 message (SIU^S14/S15/S26, ADT^A03)',
      description: 'The same messages the MLLP listener takes, for interface engines that post. The answer is the ACK.',
      parameters: [clinicParam],
      requestBody: { required: true, content: er7 },
      responses: { '200': { description: 'ACK with `MSA|AA`.', content: er7 }, '400': { description: 'ACK with `MSA|AE` and the reason in `ERR-8`.', content: er7 }, ...errors(401, 403, 429, 500) },
    } },
    '/v1/ehr/notifications': { get: {
      tags: ['EHR'], operationId: 'listEhrNotifications', summary: 'What the EHR sent and what became of it',
      parameters: [
        { name: 'status', in: 'query', required: false, description: '`received`, `done`, `ignored`, `unmapped` or `failed`.', schema: { type: 'string', enum: ['received', 'done', 'ignored', 'unmapped', 'failed'] } },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
      ],
      responses: { '200': { description: 'Newest first: ids, states, attempts and reasons (no patient details).', content: { 'application/json': { schema: { type: 'object' } } } }, ...errors(400, 401, 429, 500, 503) },
    } },
    '/v1/ehr/notifications/{id}/retry': { post: {
      tags: ['EHR'], operationId: 'retryEhrNotification', summary: 'Map a failed notification again',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '202': { description: 'Queued again.', content: { 'application/json': { schema: { type: 'object' } } } }, ...errors(400, 401, 404, 429, 500, 503) },
    } },
  };
}
