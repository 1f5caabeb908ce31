import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { declareIdempotencyKey } from './idempotency.ts';
import { sharedSchemas } from './openapi.ts';

// Swagger UI loads only its own files; it sets style attributes at run time and draws icons as data: images.
const viewerCsp = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:",
  "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

const intro = `Send clinic events; Aftercare texts or emails the patient's follow-up messages at the right local times, collects replies and alerts on-call staff.

**Authentication.** Every \`/v1\` call takes your clinic's API key: \`Authorization: Bearer <key>\`. A key sees only its own clinic's patients and escalations.

**Idempotency.** Each event carries your own \`id\`. Sending it again (a retry after a timeout, a replayed queue) answers 202 with \`duplicate: true\` and schedules nothing new; the same id with different content is refused with 409 \`event-id-reused\`. On a 5xx or a network error, retry with the same id. Any POST may also carry an \`Idempotency-Key\` header (a UUID of your own): a retry with the same key and body gets the first answer again (\`Idempotent-Replayed: true\`) and has no second effect; the same key with another body is refused with 422 \`idempotency-key-reused\`, and while the first request is still being handled, 409 \`idempotency-key-in-use\`. Keys are kept 24 hours, per API key.

**Input rules.** JSON bodies only, at most 64 KiB. Unknown fields are rejected at every level (400), so a typo never passes silently. Times are ISO-8601 with an offset (\`2026-11-23T15:30:00-07:00\` or \`…Z\`); time zones are IANA names (\`America/Denver\`); phones are E.164 (\`+15551234567\`).

**Errors.** Every failure is \`{ "error": { "code", "message", "fields"? } }\`; branch on \`code\`, which is stable. A 400 lists every bad field by its dotted path.

**Rate limit.** Per API key per minute (600 unless the operator changed it); a 429 carries \`Retry-After\`.`;

/** What the OpenAPI 3.1 document says besides its paths, which come from the routes' own schemas. */
const openApiBase = {
  openapi: '3.1.0',
  info: { title: 'Aftercare API', version: '1', description: intro },
  tags: [
    { name: 'Events', description: 'What happened at the clinic.' },
    { name: 'Plans', description: 'What would be sent, and when.' },
    { name: 'Patients', description: "A patient's history." },
    { name: 'Escalations', description: 'Replies that need a human.' },
    { name: 'Twilio webhooks', description: 'Called by Twilio, signed with your Twilio auth token; not for clinic integrators.' },
    { name: 'Patient links', description: 'Opened by patients from their email; not for clinic integrators.' },
    { name: 'EHR', description: 'Events straight from the clinic’s EHR (FHIR R4 Subscriptions, HL7v2), and mapping failures.' },
    { name: 'Webhooks', description: 'Outbound webhooks (Standard Webhooks) of a clinic: endpoints, deliveries, replay; for the operator or the clinic admin.' },
    { name: 'Operations', description: 'Health, readiness and metrics for the operator; readiness and metrics take the operations token when the operator set one.' },
  ],
  security: [{ clinicApiKey: [] }],
  components: {
    securitySchemes: {
      clinicApiKey: { type: 'http' as const, scheme: 'bearer', description: "Your clinic's API key, from the operator." },
      operationsToken: { type: 'http' as const, scheme: 'bearer', description: 'OPERATIONS_TOKEN, when set.' },
      operatorApiKey: { type: 'http' as const, scheme: 'bearer', description: 'The operator API key (its SHA-256 in OPERATOR_API_KEY_SHA256).' },
    },
  },
};

/**
 * The OpenAPI document is collected from the routes registered after this (swagger's dynamic
 * mode): each route's own `schema` is its entry, a route without tags (console, dashboard) is left
 * out. Registered before the routes, in the instance that holds them (as fastify-plugin would: skip-override).
 */
export const collectApiDocs = Object.assign(async (app: FastifyInstance): Promise<void> => {
  await app.register(swagger, {
    openapi: openApiBase,
    hideUntagged: true,
    transformObject: (document) => ('openapiObject' in document ? declareIdempotencyKey(document.openapiObject) : document.swaggerObject),
    // Components keep the names the schemas were added with, not def-0, def-1 ...
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  for (const schema of sharedSchemas()) app.addSchema(schema);
}, { [Symbol.for('skip-override')]: true });

/** The API reference: `GET /docs/openapi.json` and the interactive viewer at `/docs`. */
export async function apiDocs(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: viewerCsp,
    // No call to validator.swagger.io: the document must not leave this server.
    validatorUrl: false,
    uiConfig: { deepLinking: true, displayOperationId: true, defaultModelsExpandDepth: 1 },
  });
  app.get('/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
