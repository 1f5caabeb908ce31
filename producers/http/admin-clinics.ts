import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { idSchema } from '../../core/events.ts';
import { AftercareError } from '../../lib/errors.ts';
import { listClinics, listVersions, loadClinic, loadVersion, type StoredClinic } from '../../store/clinic-config.ts';
import { parseOrThrow } from '../parse.ts';
import { authorizeAdmin, auditAdminRoutes } from './admin-auth.ts';
import { changeClinic, mergePatch, type ChangeResult } from './admin-changes.ts';
import { adminSchemas, clinicSections, sectionSchemas, type ClinicSection } from './admin-schemas.ts';
import type { ServerDeps } from './deps.ts';
import { documentationOnly } from './route-schemas.ts';

type ClinicParams = { Params: { clinicId: string }; Querystring: { dryRun?: string }; Body: unknown };

const dryRunSchema = z.object({ dryRun: z.enum(['true', 'false']).optional() });
const versionSchema = z.coerce.number().int().min(1);

const answer = (r: ChangeResult) => (r.dryRun ? r : { clinicId: r.clinicId, version: r.version, diff: r.diff });

/** A version as an entity tag: `"v3"`. */
const etagOf = (version: number) => `"v${version}"`;
const ifMatchSchema = z.string().trim().regex(/^(W\/)?"v\d+"$/, 'expected an ETag of this API, such as "v3", or *');

/** `If-Match` (RFC 9110): the version the client read, or undefined when it sent none (or `*`). */
function ifMatchOf(req: FastifyRequest): number | undefined {
  const header = req.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const tag = parseOrThrow(ifMatchSchema, header, 'Invalid If-Match header');
  return Number(tag.replace(/\D/g, ''));
}

/**
 * Each write reads the document, changes it and saves it on condition that it is still the version
 * the client named (`If-Match`), else the one read here; a write that lost a race to another is
 * read again unless the client named a version (the store's check answers `version-conflict`).
 */
const raceRetries = 3;
async function changeRead<T>(read: () => Promise<StoredClinic>, write: (stored: StoredClinic, expectedVersion: number) => Promise<T>, ifMatch: number | undefined): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const stored = await read();
    try {
      return await write(stored, ifMatch ?? stored.version);
    } catch (err) {
      if (ifMatch === undefined && attempt < raceRetries && err instanceof AftercareError && err.code === 'version-conflict') continue;
      throw err;
    }
  }
}

function valueAt(document: Record<string, unknown>, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), document);
}

function withValueAt(document: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [key, ...rest] = path;
  if (key === undefined) return document;
  const inner = document[key];
  const child = inner && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Record<string, unknown>) : {};
  return { ...document, [key]: rest.length ? withValueAt(child, rest, value) : value };
}

/** `/v1/admin/clinics`: each clinic's configuration, its parts, and its versions. */
export async function adminClinics(api: FastifyInstance, deps: Pick<ServerDeps, 'db' | 'clinics' | 'now'>): Promise<void> {
  documentationOnly(api);
  auditAdminRoutes(api);
  const dryRunOf = (req: FastifyRequest<ClinicParams>) => parseOrThrow(dryRunSchema, req.query ?? {}, 'Invalid query').dryRun === 'true';
  const existing = async (clinicId: string): Promise<StoredClinic> => {
    const id = parseOrThrow(idSchema, clinicId, 'Invalid clinic id');
    const stored = await loadClinic(deps.db, id);
    if (!stored) throw new AftercareError('not-found', `No clinic ${id}.`);
    return stored;
  };
  const change = (req: FastifyRequest<ClinicParams>, clinicId: string, document: unknown, actor: string, create = false, expectedVersion?: number) =>
    changeClinic(deps, { clinicId, document, actor, dryRun: dryRunOf(req), create, expectedVersion });
  // A change of an existing clinic: on the version it was computed from, its answer tagged with the new one.
  const changeExisting = async (req: FastifyRequest<ClinicParams>, reply: FastifyReply, actor: string, documentFrom: (stored: StoredClinic) => unknown) => {
    const result = await changeRead(() => existing(req.params.clinicId),
      (stored, expected) => change(req, stored.clinicId, documentFrom(stored), actor, false, expected), ifMatchOf(req));
    if (!result.dryRun) reply.header('etag', etagOf(result.version));
    return answer(result);
  };

  api.get('/v1/admin/clinics', { schema: adminSchemas.listClinics }, async (req) => {
    const who = authorizeAdmin(req, undefined);
    const all = (await listClinics(deps.db)).filter((c) => who.operator || c.clinicId === who.clinicId);
    return { clinics: all.map((c) => ({ id: c.clinicId, name: c.document.name, version: c.version, updatedAt: c.updatedAt.toISOString() })) };
  });

  api.post<ClinicParams>('/v1/admin/clinics', { schema: adminSchemas.createClinic }, async (req, reply) => {
    const who = authorizeAdmin(req, undefined);
    if (!who.operator) throw new AftercareError('forbidden', 'Only the operator adds clinics.');
    const body = req.body;
    const id = body && typeof body === 'object' && 'id' in body ? String(body.id) : '';
    const result = await change(req, id, body, who.actor, true);
    return reply.status(result.dryRun ? 200 : 201).send(answer(result));
  });

  api.get<ClinicParams>('/v1/admin/clinics/:clinicId', { schema: adminSchemas.getClinic }, async (req, reply) => {
    authorizeAdmin(req, req.params.clinicId);
    const stored = await existing(req.params.clinicId);
    reply.header('etag', etagOf(stored.version));
    return { id: stored.clinicId, version: stored.version, updatedAt: stored.updatedAt.toISOString(), document: stored.document };
  });

  api.put<ClinicParams>('/v1/admin/clinics/:clinicId', { schema: adminSchemas.replaceClinic }, async (req, reply) => {
    const who = authorizeAdmin(req, req.params.clinicId);
    return changeExisting(req, reply, who.actor, () => req.body);
  });

  api.patch<ClinicParams>('/v1/admin/clinics/:clinicId', { schema: adminSchemas.patchClinic }, async (req, reply) => {
    const who = authorizeAdmin(req, req.params.clinicId);
    return changeExisting(req, reply, who.actor, (stored) => mergePatch(stored.document, req.body ?? {}));
  });

  for (const section of Object.keys(clinicSections) as ClinicSection[]) {
    const { path } = clinicSections[section];
    const schemas = sectionSchemas(section);
    api.get<ClinicParams>(`/v1/admin/clinics/:clinicId/${section}`, { schema: schemas.get }, async (req, reply) => {
      authorizeAdmin(req, req.params.clinicId);
      const stored = await existing(req.params.clinicId);
      reply.header('etag', etagOf(stored.version));
      return valueAt(stored.document, path) ?? null;
    });
    api.put<ClinicParams>(`/v1/admin/clinics/:clinicId/${section}`, { schema: schemas.put }, async (req, reply) => {
      const who = authorizeAdmin(req, req.params.clinicId);
      return changeExisting(req, reply, who.actor, (stored) => withValueAt(stored.document, path, req.body));
    });
  }

  api.get<ClinicParams>('/v1/admin/clinics/:clinicId/versions', { schema: adminSchemas.listVersions }, async (req) => {
    authorizeAdmin(req, req.params.clinicId);
    const stored = await existing(req.params.clinicId);
    const versions = await listVersions(deps.db, stored.clinicId);
    return { clinicId: stored.clinicId, versions: versions.map((v) => ({ version: v.version, actor: v.actor, at: v.at.toISOString(), diff: v.diff })) };
  });

  api.get<{ Params: { clinicId: string; version: string } }>('/v1/admin/clinics/:clinicId/versions/:version', { schema: adminSchemas.getVersion }, async (req) => {
    authorizeAdmin(req, req.params.clinicId);
    const stored = await existing(req.params.clinicId);
    const number = parseOrThrow(versionSchema, req.params.version, 'Invalid version');
    const found = await loadVersion(deps.db, stored.clinicId, number);
    if (!found) throw new AftercareError('not-found', `Clinic ${stored.clinicId} has no version ${number}.`);
    return { clinicId: found.clinicId, version: found.version, actor: found.actor, at: found.at.toISOString(), diff: found.diff, document: found.document };
  });
}
