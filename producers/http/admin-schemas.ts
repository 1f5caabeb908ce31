import type { FastifySchema } from 'fastify';
import { errors, required } from './route-schemas.ts';

// The admin API as /docs shows it; zod validates inside each handler (see route-schemas.ts).

const clinicId = { type: 'string', description: 'The clinic id.' } as const;
const dryRun = {
  type: 'object',
  properties: { dryRun: { type: 'boolean', default: false, description: 'Validate and preview (the plans of a sample event, each message with its SMS segments); change nothing.' } },
} as const;
const auth = 'Takes the operator key (every clinic) or a clinic key of scope `admin` (its own clinic only).';
const object = (description: string) => ({ description, type: 'object', additionalProperties: true }) as const;
const change = (description: string) => object(`${description} With \`dryRun=true\`: \`{ dryRun, version, diff, preview }\` and nothing changes.`);
const fails = errors(400, 401, 403, 404, 413, 422, 429, 500, 503);
// A write may carry `If-Match` with the ETag its GET answered; 412 when another version came in between.
const writeFails = errors(400, 401, 403, 404, 412, 413, 422, 429, 500, 503);
const conditional = ' Send `If-Match` with the ETag (`"v3"`) of what you read, and a change saved in between is refused (412) instead of overwritten.';

export const clinicSections = {
  staff: { path: ['staff'], title: 'staff' },
  contacts: { path: ['escalation', 'contacts'], title: 'escalation contacts' },
  'quiet-hours': { path: ['quietHours'], title: 'quiet hours' },
  plans: { path: ['plans'], title: 'care plan overrides' },
  templates: { path: ['templates'], title: 'template overrides' },
} as const;
export type ClinicSection = keyof typeof clinicSections;

const sectionOp = (section: string) => section.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());

export function sectionSchemas(section: ClinicSection): { get: FastifySchema; put: FastifySchema } {
  const { title } = clinicSections[section];
  return {
    get: { tags: ['Admin'], operationId: `getClinic${sectionOp(section)}`, summary: `A clinic's ${title}`, description: auth,
      params: required({ clinicId }), response: { 200: object(`The clinic's ${title}, as in its document.`), ...fails } },
    put: { tags: ['Admin'], operationId: `replaceClinic${sectionOp(section)}`, summary: `Replace a clinic's ${title}`, description: `${auth} Validated as the clinic file is; a new version.${conditional}`,
      params: required({ clinicId }), querystring: dryRun, body: { description: `The new ${title}.` }, response: { 200: change('The new version and what changed.'), ...writeFails } },
  };
}

export const adminSchemas: Record<string, FastifySchema> = {
  listClinics: { tags: ['Admin'], operationId: 'listClinics', summary: 'Clinics', description: auth, response: { 200: object('`{ clinics: [{ id, name, version, updatedAt }] }`'), ...errors(401, 403, 429, 500, 503) } },
  createClinic: { tags: ['Admin'], operationId: 'createClinic', summary: 'Add a clinic', description: 'Operator only. The body is a clinic as the clinic file holds it.',
    querystring: dryRun, body: object('A clinic document.'), response: { 201: object('`{ clinicId, version: 1, diff }`'), 200: change('A dry run.'), ...fails } },
  getClinic: { tags: ['Admin'], operationId: 'getClinic', summary: "A clinic's configuration", description: auth,
    params: required({ clinicId }), response: { 200: object('`{ id, version, updatedAt, document }`'), ...fails } },
  replaceClinic: { tags: ['Admin'], operationId: 'replaceClinic', summary: "Replace a clinic's configuration", description: `${auth} Validated as the clinic file is; a new version.${conditional}`,
    params: required({ clinicId }), querystring: dryRun, body: object('The whole clinic document.'), response: { 200: change('The new version and what changed.'), ...writeFails } },
  patchClinic: { tags: ['Admin'], operationId: 'patchClinic', summary: "Change part of a clinic's configuration", description: `${auth} An RFC 7386 merge patch (\`null\` removes a field).${conditional}`,
    params: required({ clinicId }), querystring: dryRun, body: object('A merge patch of the clinic document.'), response: { 200: change('The new version and what changed.'), ...writeFails } },
  listVersions: { tags: ['Admin'], operationId: 'listClinicVersions', summary: "A clinic's configuration versions", description: `${auth} Newest first; each diff lists the paths changed, never values.`,
    params: required({ clinicId }), response: { 200: object('`{ versions: [{ version, actor, at, diff }] }`'), ...fails } },
  getVersion: { tags: ['Admin'], operationId: 'getClinicVersion', summary: 'One configuration version', description: auth,
    params: required({ clinicId, version: { type: 'integer', description: 'A version number.' } }), response: { 200: object('`{ version, actor, at, diff, document }`'), ...fails } },
  createKey: { tags: ['Admin'], operationId: 'createApiKey', summary: 'Make an API key', description: `${auth} The key is in this answer only; only its SHA-256 is kept.`,
    params: required({ clinicId }),
    body: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, scope: { type: 'string', enum: ['clinic', 'admin'], default: 'clinic' }, expiresAt: { type: 'string', format: 'date-time' } } },
    response: { 201: object('`{ id, name, scope, createdAt, expiresAt, key }`'), ...fails } },
  listKeys: { tags: ['Admin'], operationId: 'listApiKeys', summary: "A clinic's API keys", description: `${auth} Never the keys themselves.`,
    params: required({ clinicId }), response: { 200: object('`{ keys: [{ id, name, scope, createdBy, createdAt, lastUsedAt, expiresAt, revokedAt }] }`'), ...fails } },
  revokeKey: { tags: ['Admin'], operationId: 'revokeApiKey', summary: 'Revoke an API key', description: `${auth} Refused at once here, within seconds everywhere.`,
    params: required({ clinicId, keyId: { type: 'string', description: 'A key id.' } }), response: { 200: object('`{ id, revoked: true }`'), ...fails } },
};
