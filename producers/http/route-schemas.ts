import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorCatalogue, type ErrorCode } from '../../lib/errors.ts';
import { docs, type JsonSchema } from './openapi.ts';

// What each route's `schema` is built from: fastify's idiom, read by @fastify/swagger into /docs.

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
  'version-conflict': "`If-Match` named a version of the clinic's configuration that is no longer the current one: read it again (its `ETag`) and make the change there.",
  'idempotency-key-in-use': 'A request with this `Idempotency-Key` is still being handled; retry after it answers.',
  'idempotency-key-reused': 'This `Idempotency-Key` was used with a different request (method, path or body) in the last 24 hours.',
  'invalid-config': 'A clinic configuration the clinic file would refuse: `fields` names each problem by its path in the clinic document, with the same message.',
  'body-too-large': 'The body is over the size limit (64 KiB unless the operator changed it).',
  'rate-limited': 'Too many requests for this API key this minute; wait `Retry-After` seconds.',
  'database-unavailable': 'The database did not answer; nothing was stored. Retry later with the same event id.',
  'redis-unavailable': 'The queue store did not answer. Retry later.',
  'config-invalid': 'The service is misconfigured; tell its operator.',
  'internal': 'An unexpected failure; nothing was changed. Retry later with the same event id.',
};

const isErrorCode = (key: string): key is ErrorCode => key in errorCatalogue;
const codesOf = (status: number) => Object.keys(errorCatalogue).filter(isErrorCode).filter((code) => errorCatalogue[code] === status);
const rateHeaders = {
  'retry-after': { description: 'Seconds until a request may succeed.', type: 'integer' },
  'x-ratelimit-limit': { description: 'Requests allowed a minute per API key.', type: 'integer' },
  'x-ratelimit-remaining': { description: 'Requests left in this minute.', type: 'integer' },
  'x-ratelimit-reset': { description: 'Seconds until the window resets.', type: 'integer' },
};

/** A route schema's pointer to a named schema (`sharedSchemas`). */
export const ref = (name: string) => ({ $ref: `${name}#` });

/** Response schemas of the failures a route may answer, each in the one error shape, with what its codes mean. */
export function errors(...statuses: number[]): Record<number, JsonSchema> {
  return Object.fromEntries(statuses.map((status) => [status, {
    description: codesOf(status).map((c) => `\`${c}\`: ${codeMeaning[c]}`).join(' '),
    ...(status === 429 ? { headers: rateHeaders } : {}),
    ...ref('Error'),
  }]));
}

/** Security of a route anyone may call, and of one behind OPERATIONS_TOKEN when the operator set it. */
export const openRoute = { security: [] };
export const operatorRoute = { security: [{}, { operationsToken: [] }] as Array<Record<string, string[]>> };

/** The `params` or `headers` schema of a route: every property named is required. */
export const required = (properties: Record<string, JsonSchema>) => ({ type: 'object', properties, required: Object.keys(properties) });

/** A response that is a page or text, not JSON. */
export const textResponse = (type: string, description: string) => ({ description, content: { [type]: { schema: { type: 'string' } } } });

/**
 * Route schemas here describe the API for /docs only: zod validates inside each handler, so every
 * refusal keeps the one error shape, and answers go out as the handler built them.
 */
export function documentationOnly(app: FastifyInstance): void {
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}
