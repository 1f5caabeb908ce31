import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clinicEventSchema } from '../../core/events.ts';
import { createLogger } from '../../lib/logger.ts';
import { createMetrics } from '../../lib/metrics.ts';
import { buildServer } from '../../producers/http/server.ts';
import { startPipeline, type TestPipeline } from '../support/pipeline.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
function obj(v: unknown, where: string): Json {
  if (!isObject(v)) throw new Error(`${where} is not an object`);
  return v;
}
const exampleEvent: unknown = JSON.parse(readFileSync('config/example-event.json', 'utf8'));
const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let p: TestPipeline;
let server: ReturnType<typeof buildServer>;
let doc: Json;
const registered: Array<{ method: string; url: string }> = [];

beforeAll(async () => {
  p = await startPipeline({ role: 'api' });
  server = buildServer({
    db: p.db, redis: p.redis, queues: p.queues, clinics: p.clinics, log: createLogger({ level: 'silent' }), metrics: createMetrics(),
    operator: { username: 'operator', passwordHash: 'scrypt$unused' },
  });
  server.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registered.push({ method, url: route.url ?? route.path });
  });
  await server.ready();
  doc = obj((await server.inject({ method: 'GET', url: '/docs/openapi.json' })).json(), 'document');
});
afterAll(async () => {
  await server?.close();
  await p?.dispose();
});

/** Every `$ref` in the document, with where it was found. */
function refs(node: unknown, at = '#'): Array<{ ref: string; at: string }> {
  if (Array.isArray(node)) return node.flatMap((n, i) => refs(n, `${at}/${i}`));
  if (!isObject(node)) return [];
  const own = typeof node.$ref === 'string' ? [{ ref: node.$ref, at }] : [];
  return [...own, ...Object.entries(node).flatMap(([k, v]) => refs(v, `${at}/${k}`))];
}
function resolve(pointer: string): unknown {
  return pointer.slice(2).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), doc);
}
function operations(): Array<{ path: string; method: string; op: Json }> {
  return Object.entries(obj(doc.paths, 'paths')).flatMap(([path, item]) =>
    Object.entries(obj(item, path)).filter(([m]) => methods.includes(m)).map(([method, op]) => ({ path, method, op: obj(op, `${method} ${path}`) })));
}

describe('the OpenAPI document', () => {
  it('is structurally valid OpenAPI 3.1', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const info = obj(doc.info, 'info');
    expect(info.title).toEqual(expect.any(String));
    expect(info.version).toEqual(expect.any(String));
    const schemes = obj(obj(doc.components, 'components').securitySchemes, 'securitySchemes');
    expect(obj(schemes.clinicApiKey, 'clinicApiKey')).toMatchObject({ type: 'http', scheme: 'bearer' });
    const ids = new Set<string>();
    for (const { path, method, op } of operations()) {
      expect(path).toMatch(/^\//);
      expect(typeof op.operationId === 'string' && !ids.has(op.operationId), `${method} ${path} operationId`).toBe(true);
      ids.add(String(op.operationId));
      const responses = Object.entries(obj(op.responses, `${method} ${path} responses`));
      expect(responses.length, `${method} ${path} responses`).toBeGreaterThan(0);
      for (const [status, response] of responses) {
        expect(status).toMatch(/^([1-5]\d\d|default)$/);
        const r = obj(response, `${method} ${path} ${status}`);
        expect(typeof r.$ref === 'string' || typeof r.description === 'string', `${method} ${path} ${status} description`).toBe(true);
      }
      const declared = (Array.isArray(op.parameters) ? op.parameters : []).map((x) => obj(x, 'parameter'));
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g))
        expect(declared.some((x) => x.name === name && x.in === 'path' && x.required === true), `${path} declares {${name}}`).toBe(true);
      for (const requirement of Array.isArray(op.security) ? op.security : [])
        for (const scheme of Object.keys(obj(requirement, 'security'))) expect(schemes).toHaveProperty(scheme);
    }
  });

  it('resolves every $ref inside the document', () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(20);
    const dangling = all.filter(({ ref }) => !ref.startsWith('#/') || !isObject(resolve(ref)));
    expect(dangling).toEqual([]);
  });

  it('describes every route the server registers, and no other', async () => {
    const ours = registered
      .filter(({ method, url }) => method !== 'HEAD' && !/^\/(docs|admin\/|console)/.test(url))
      .map(({ method, url }) => `${method.toLowerCase()} ${url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    expect(ours.length).toBeGreaterThanOrEqual(10);
    const documented = operations().map(({ method, path }) => `${method} ${path}`);
    expect([...new Set(ours)].sort()).toEqual([...documented].sort());
  });

  it('marks every event object closed to unknown fields', () => {
    const schemas = obj(obj(doc.components, 'components').schemas, 'schemas');
    const objects = (node: unknown, at: string): Array<{ at: string; node: Json }> => {
      if (!isObject(node)) return [];
      const own = node.type === 'object' ? [{ at, node }] : [];
      return [...own, ...Object.entries(obj(node.properties ?? {}, at)).flatMap(([k, v]) => objects(v, `${at}.${k}`))];
    };
    const eventObjects = ['SessionCompleted', 'CessationStarted', 'PlanCancelled', 'Patient', 'Escort'].flatMap((n) => objects(schemas[n], n));
    expect(eventObjects.map((o) => o.at)).toEqual(expect.arrayContaining(['SessionCompleted', 'SessionCompleted.session', 'CessationStarted.cessation', 'Patient']));
    for (const { at, node } of eventObjects) expect(node.additionalProperties, at).toBe(false);
  });

  it('accepts the example event and rejects unknown fields, checked by a JSON Schema validator', async () => {
    // Fastify's own Ajv, told to reject rather than strip or coerce, validates against the published schema.
    const checker = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, strict: false } } });
    checker.addSchema({ $id: 'openapi', components: doc.components });
    checker.post('/check', { schema: { body: { $ref: 'openapi#/components/schemas/ClinicEvent' } } }, async () => ({ ok: true }));
    const check = async (body: unknown) => (await checker.inject({ method: 'POST', url: '/check', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } })).statusCode;
    const example = obj(exampleEvent, 'example');
    const patient = obj(example.patient, 'patient');
    const session = obj(example.session, 'session');

    expect(await check(example)).toBe(200);
    expect(clinicEventSchema.safeParse(example).success).toBe(true);
    const bad = {
      'an unknown top-level field': { ...example, surprise: true },
      'an unknown patient field': { ...example, patient: { ...patient, nickname: 'Sammy' } },
      'an unknown session field': { ...example, session: { ...session, room: 4 } },
      'a time without offset': { ...example, session: { ...session, endedAt: '2026-11-23T15:30:00' } },
      'an unknown type': { ...example, type: 'session.started' },
    };
    for (const [name, body] of Object.entries(bad)) {
      expect(await check(body), name).toBe(400);
      expect(clinicEventSchema.safeParse(body).success, name).toBe(false);
    }
    const examples = obj(obj(obj(obj(obj(obj(doc.paths, 'paths')['/v1/events'], 'events').post, 'post').requestBody, 'body').content, 'content')['application/json'], 'json').examples;
    for (const [name, e] of Object.entries(obj(examples, 'examples'))) {
      expect(await check(obj(e, name).value), name).toBe(200);
      expect(clinicEventSchema.safeParse(obj(e, name).value).success, name).toBe(true);
    }
    await checker.close();
  });
});

describe('/docs', () => {
  it('serves the interactive viewer with a CSP that allows only its own scripts', async () => {
    const res = await server.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('id="swagger-ui"');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    for (const asset of ['swagger-ui-bundle.js', 'swagger-initializer.js', 'swagger-ui.css']) {
      const file = await server.inject({ method: 'GET', url: `/docs/static/${asset}` });
      expect(file.statusCode, asset).toBe(200);
    }
  });

  it('gives the viewer the same document as /docs/openapi.json', async () => {
    const viewer = await server.inject({ method: 'GET', url: '/docs/json' });
    expect(viewer.json()).toEqual(doc);
  });
});
