import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clinics } from '../../config/clinics.ts';
import { AftercareError } from '../../lib/errors.ts';
import { apiKeyOf, bearerToken } from './auth.ts';

/** What the admin API checks credentials against; set once on the server (`app.decorate('adminAccess', ...)`). */
export interface AdminAccess {
  clinics: Clinics;
  /** Hex SHA-256 of the operator key; unset: no operator credential. */
  operatorKeySha256?: string;
  now?: () => Date;
  /** The clinic admin whose console session the request carries for a clinic (`clinicAdminOf` in console/roles.ts). */
  consoleAdmin?: (request: FastifyRequest, clinicId: string) => { username: string } | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    adminAccess: AdminAccess;
  }
}

export interface AdminPrincipal {
  /** Who, for the version history: `operator`, `key:<name>`. */
  actor: string;
  operator: boolean;
  /** The one clinic a clinic admin may change; absent for the operator. */
  clinicId?: string;
}

/**
 * Who may administer `clinicId` (or, undefined, the clinic list): the operator (OPERATOR_API_KEY_SHA256)
 * for every clinic, a clinic's `admin` key for its own clinic only. Throws 401 for no or an unknown,
 * expired or revoked key, 403 for another clinic's key or an event-API key.
 */
export function authorizeAdmin(request: FastifyRequest, clinicId: string | undefined): AdminPrincipal {
  const access = request.server.adminAccess;
  const header = request.headers.authorization;
  const key = bearerToken(header);
  if (key === undefined && clinicId !== undefined && access.consoleAdmin) {
    const admin = access.consoleAdmin(request, clinicId);
    // A cookie rides along with any cross-site form; a custom header cannot be sent cross-site without CORS, which this API never allows.
    if (admin && (request.method === 'GET' || request.headers['x-aftercare-console'] === '1')) {
      // Named as the console names its staff in the access audit; without it the entry reads "anonymous".
      request.auditActor = { actor: admin.username, role: 'admin', clinicId };
      return { actor: `staff:${admin.username}`, operator: false, clinicId };
    }
  }
  if (key === undefined) throw new AftercareError('unauthenticated', 'Send the operator key or a clinic admin key as "Authorization: Bearer <key>".');
  const presented = createHash('sha256').update(key).digest();
  if (access.operatorKeySha256 && timingSafeEqual(presented, Buffer.from(access.operatorKeySha256, 'hex'))) {
    request.auditActor = { actor: 'operator', role: 'operator', clinicId: clinicId ?? null };
    return { actor: 'operator', operator: true };
  }
  const entry = apiKeyOf(access.clinics, header, access.now?.() ?? new Date());
  if (!entry) throw new AftercareError('unauthenticated', 'Unknown API key.');
  if (entry.scope !== 'admin') throw new AftercareError('forbidden', 'This key is for the event API; the admin API takes a key of scope "admin".');
  if (clinicId !== undefined && clinicId !== entry.clinicId) throw new AftercareError('forbidden', `This key administers clinic ${entry.clinicId} only.`);
  request.auditActor = { actor: `key:${entry.name}`, role: 'clinic-admin', clinicId: entry.clinicId };
  return { actor: `key:${entry.name}`, operator: false, clinicId: entry.clinicId };
}

/**
 * Every admin route of the plugin calling this is in the access audit: a change as `admin.change`,
 * a read as `admin.read` (the actor is set by authorizeAdmin).
 */
export function auditAdminRoutes(api: FastifyInstance): void {
  api.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    const action = methods.every((m) => m === 'GET' || m === 'HEAD') ? 'admin.read' : 'admin.change';
    route.config = { ...route.config, audit: route.config?.audit ?? { action } };
  });
}
