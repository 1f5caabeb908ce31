import swagger, { type FastifyStaticSwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from './openapi.ts';

// Swagger UI loads only its own files; it sets style attributes at run time and draws icons as data: images.
const viewerCsp = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:",
  "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

// @fastify/swagger types a static document as OpenAPI 2 or 3.0 only; static mode serves the object as given, and ours is 3.1.
type StaticDocument = Extract<FastifyStaticSwaggerOptions['specification'], { document: unknown }>['document'];

/** The API reference: `GET /docs/openapi.json` and the interactive viewer at `/docs`. */
export async function apiDocs(app: FastifyInstance): Promise<void> {
  const document = buildOpenApiDocument();
  await app.register(swagger, { mode: 'static', specification: { document: document as StaticDocument } });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: viewerCsp,
    // No call to validator.swagger.io: the document must not leave this server.
    validatorUrl: false,
    uiConfig: { deepLinking: true, displayOperationId: true, defaultModelsExpandDepth: 1 },
  });
  app.get('/docs/openapi.json', { schema: { hide: true } }, async () => document);
}
