import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idSchema } from '../../core/events.ts';
import { AftercareError } from '../../lib/errors.ts';
import { insertApiKey, listApiKeys, revokeApiKey, type ApiKeyRecord } from '../../store/api-keys.ts';
import { loadClinic } from '../../store/clinic-config.ts';
import { parseOrThrow } from '../parse.ts';
import { authorizeAdmin } from './admin-auth.ts';
import { adminSchemas } from './admin-schemas.ts';
import type { ServerDeps } from './deps.ts';
import { documentationOnly } from './route-schemas.ts';

const newKeySchema = z.strictObject({
  name: z.string().trim().min(1).max(60),
  scope: z.enum(['clinic', 'admin']).default('clinic'),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

const shown = (k: ApiKeyRecord) => ({
  id: k.id, name: k.name, scope: k.scope, createdBy: k.createdBy, createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null, expiresAt: k.expiresAt?.toISOString() ?? null, revokedAt: k.revokedAt?.toISOString() ?? null,
});

/** `/v1/admin/clinics/{id}/keys`: several keys per clinic, made, listed (never the key) and revoked. */
export async function adminKeys(api: FastifyInstance, deps: Pick<ServerDeps, 'db' | 'clinics' | 'now'>): Promise<void> {
  documentationOnly(api);
  const now = () => deps.now?.() ?? new Date();
  const clinicOf = async (clinicId: string) => {
    const id = parseOrThrow(idSchema, clinicId, 'Invalid clinic id');
    if (!(await loadClinic(deps.db, id))) throw new AftercareError('not-found', `No clinic ${id}.`);
    return id;
  };

  api.post<{ Params: { clinicId: string }; Body: unknown }>('/v1/admin/clinics/:clinicId/keys', { schema: adminSchemas.createKey }, async (req, reply) => {
    const who = authorizeAdmin(req, req.params.clinicId);
    const clinicId = await clinicOf(req.params.clinicId);
    const body = parseOrThrow(newKeySchema, req.body ?? {}, 'Invalid API key request');
    const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
    if (expiresAt && expiresAt <= now())
      throw new AftercareError('invalid-input', 'Invalid API key request', { fields: [{ path: 'expiresAt', message: 'expected a time in the future' }] });
    const key = `ak_${randomBytes(24).toString('base64url')}`;
    const record = await insertApiKey(deps.db, {
      id: `key-${randomBytes(8).toString('hex')}`, clinicId, name: body.name, scope: body.scope, createdBy: who.actor, expiresAt,
      sha256: createHash('sha256').update(key).digest('hex'),
    });
    // Works in this process at once; elsewhere within a poll of the configuration counter.
    await deps.clinics.refresh?.();
    return reply.status(201).send({ ...shown(record), key });
  });

  api.get<{ Params: { clinicId: string } }>('/v1/admin/clinics/:clinicId/keys', { schema: adminSchemas.listKeys }, async (req) => {
    authorizeAdmin(req, req.params.clinicId);
    const clinicId = await clinicOf(req.params.clinicId);
    return { clinicId, keys: (await listApiKeys(deps.db, clinicId)).map(shown) };
  });

  api.delete<{ Params: { clinicId: string; keyId: string } }>('/v1/admin/clinics/:clinicId/keys/:keyId', { schema: adminSchemas.revokeKey }, async (req) => {
    authorizeAdmin(req, req.params.clinicId);
    const clinicId = await clinicOf(req.params.clinicId);
    if (!(await revokeApiKey(deps.db, clinicId, req.params.keyId))) throw new AftercareError('not-found', `Clinic ${clinicId} has no live key ${req.params.keyId}.`);
    await deps.clinics.refresh?.();
    return { id: req.params.keyId, revoked: true };
  });
}
