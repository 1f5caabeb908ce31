import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AftercareError } from '../../lib/errors.ts';
import { claimIdempotencyKey, dropExpiredIdempotencyKeys, releaseIdempotencyKey, storeIdempotentAnswer } from '../../store/idempotency-keys.ts';
import type { ServerDeps } from './deps.ts';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: { scope: string; key: string; settled: boolean };
  }
}

const keptFor = 24 * 3600_000;
// A request still "in flight" after this long had its process die under it: the key is taken over.
const abandonedAfter = 5 * 60_000;
const header = 'idempotency-key';
// Browser forms (CSRF-protected) and the queue dashboard are not the API.
const exempt = /^\/(console|admin\/queues)(\/|$|\?)/;

/**
 * The `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header) on every POST: a retry
 * with the same key and request gets the first answer again, and nothing happens twice. Keys are
 * per API key (per client address without one) and kept 24 h in PostgreSQL, with a digest of the
 * request, never the request itself.
 */
export const idempotencyKeys = Object.assign(async (app: FastifyInstance, deps: Pick<ServerDeps, 'db' | 'now'>): Promise<void> => {
  const now = () => deps.now?.() ?? new Date();

  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST' || exempt.test(req.url)) return;
    const raw = req.headers[header];
    if (raw === undefined) return;
    const key = parseKey(Array.isArray(raw) ? raw.join(',') : raw);
    const scope = scopeOf(req);
    const at = now();
    const requestSha256 = fingerprint(req);
    const claim = await claimIdempotencyKey(deps.db, {
      scope, key, requestSha256, now: at, expiresAt: new Date(at.getTime() + keptFor), abandonedBefore: new Date(at.getTime() - abandonedAfter),
    });
    if (claim.claimed) {
      req.idempotency = { scope, key, settled: false };
      return;
    }
    const { existing } = claim;
    if (existing.requestSha256 !== requestSha256)
      throw new AftercareError('idempotency-key-reused', 'This Idempotency-Key was already used with a different request; use a new key for a new request.');
    if (existing.status === null || existing.body === null) {
      reply.header('retry-after', '1');
      throw new AftercareError('idempotency-key-in-use', 'A request with this Idempotency-Key is still being handled; retry when it has answered.');
    }
    return replay(reply, existing.status, existing.contentType, existing.body);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const held = req.idempotency;
    if (!held || held.settled) return payload;
    held.settled = true;
    const status = reply.statusCode;
    // Failures a retry may fix (the database away, an outage, a key the server did not know) free the key.
    if (status >= 500 || status === 401 || status === 429 || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) {
      await releaseIdempotencyKey(deps.db, held).catch((err: unknown) => req.log.warn({ err: (err as Error).message }, 'idempotency key not released'));
      return payload;
    }
    const contentType = reply.getHeader('content-type');
    // The answer still goes out if it cannot be kept: the key stays in flight and is taken over after `abandonedAfter`.
    await storeIdempotentAnswer(deps.db, held, { status, contentType: typeof contentType === 'string' ? contentType : null, body: payload.toString() })
      .catch((err: unknown) => req.log.warn({ err: (err as Error).message }, 'idempotent answer not kept'));
    return payload;
  });

  // A request that never answered (the client went away mid-way) frees its key.
  const unsettled = async (req: FastifyRequest) => {
    const held = req.idempotency;
    if (!held || held.settled) return;
    held.settled = true;
    await releaseIdempotencyKey(deps.db, held).catch(() => undefined);
  };
  app.addHook('onResponse', unsettled);
  app.addHook('onRequestAbort', unsettled);

  const sweep = setInterval(() => {
    dropExpiredIdempotencyKeys(deps.db, now()).catch(() => undefined); // the next sweep tries again
  }, 10 * 60_000);
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));
}, { [Symbol.for('skip-override')]: true });

/** The key as the draft writes it (a Structured Field string, `"..."`), or bare: printable ASCII, 1 to 255 characters. */
function parseKey(value: string): string {
  const trimmed = value.trim();
  const quoted = /^"(.*)"$/.exec(trimmed);
  const key = quoted ? quoted[1]! : trimmed;
  if (!/^[\x21\x23-\x5b\x5d-\x7e]{1,255}$/.test(key))
    throw new AftercareError('invalid-input', 'Idempotency-Key must be 1 to 255 printable ASCII characters, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324".',
      { fields: [{ path: 'Idempotency-Key', message: 'expected 1 to 255 printable ASCII characters' }] });
  return key;
}

/** Whose keys these are: the API key presented (as a digest), else the client address. */
function scopeOf(req: FastifyRequest): string {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  return token ? `key-${createHash('sha256').update(token).digest('hex').slice(0, 32)}` : `ip-${req.ip}`;
}

/** A digest of what was asked: method, path and query, and the body as received. */
function fingerprint(req: FastifyRequest): string {
  const body: unknown = req.body;
  const text = body === undefined ? '' : typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('base64') : JSON.stringify(body);
  return createHash('sha256').update(`${req.method} ${req.url}\n${text}`).digest('hex');
}

function replay(reply: FastifyReply, status: number, contentType: string | null, body: string): FastifyReply {
  if (contentType) reply.header('content-type', contentType);
  return reply.status(status).header('idempotent-replayed', 'true').send(body);
}

/** Says on every POST of the OpenAPI document that it takes the header (swagger's `transformObject`). */
export function declareIdempotencyKey<T>(document: T): T {
  const paths = (document as { paths?: Record<string, Record<string, { parameters?: unknown[] }>> }).paths ?? {};
  for (const [path, operations] of Object.entries(paths)) {
    const post = operations.post;
    if (!post || exempt.test(path)) continue;
    post.parameters = [...(post.parameters ?? []), {
      in: 'header', name: 'Idempotency-Key', required: false,
      description: 'Optional: a unique key per request (a UUID). A retry with the same key and body gets the first answer again and has no second effect; the same key with another body is refused (422 `idempotency-key-reused`), one still being handled answers 409 `idempotency-key-in-use`. Kept 24 hours, per API key.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    }];
  }
  return document;
}
