import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { AftercareError } from '../../lib/errors.ts';
import { createAcceptor } from '../accept-event.ts';
import { fhirNotify } from '../fhir/notify-route.ts';
import { hl7Http } from '../hl7/hl7-route.ts';
import { immediateCrisisAnswer, receiveReply } from '../receive-reply.ts';
import { adminClinics } from './admin-clinics.ts';
import { adminKeys } from './admin-keys.ts';
import { accessAudit } from './access-audit.ts';
import { adminQueues } from './admin-queues.ts';
import { auditApi } from './audit-api.ts';
import { patientErasure } from './patient-erasure.ts';
import { adminWebhooks } from './admin-webhooks.ts';
import { authorizeAdmin } from './admin-auth.ts';
import { clinicOfKey } from './auth.ts';
import { clinicApi } from './clinic-api.ts';
import { consentApi } from './consent-api.ts';
import { staffConsole } from './console/index.ts';
import { clinicAdminOf } from './console/roles.ts';
import { consoleSessionReader } from './console/staff-session.ts';
import type { ServerDeps } from './deps.ts';
import { apiDocs, collectApiDocs } from './docs.ts';
import { ehrNotificationsApi } from './ehr-notifications.ts';
import { onCallApi } from './on-call-api.ts';
import { idempotencyKeys } from './idempotency.ts';
import { operations } from './operations.ts';
import { twilioVoice } from './twilio-voice.ts';
import { twilioWebhooks } from './twilio-webhooks.ts';
import { unsubscribeLinks } from './unsubscribe.ts';

/** The HTTP API, apart from `listen` so tests drive it with `inject()`. */
export function buildServer(deps: ServerDeps) {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }),
    bodyLimit: deps.bodyLimit ?? 64 * 1024,
    // Only a configured proxy may say who the client is; anyone else could put any address in X-Forwarded-For.
    trustProxy: deps.trustedProxies?.length ? deps.trustedProxies : false,
  });

  // Security headers on every answer; pages that need their own CSP (docs, console) set it themselves.
  app.register(helmet, { contentSecurityPolicy: false, global: true });
  app.addHook('onSend', async (_req, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  // Per clinic API key, else per address: an unknown key opens no bucket of its own. Webhooks are signed and health checks must always answer.
  app.register(rateLimit, {
    max: deps.apiRatePerMinute ?? 600,
    timeWindow: 60_000,
    keyGenerator: (req) => {
      const clinic = clinicOfKey(deps.clinics, req.headers.authorization);
      return clinic ? `clinic-${clinic.id}` : `ip-${req.ip}`;
    },
    allowList: (req) => /^\/(healthz|readyz|metrics|webhooks\/)/.test(req.url),
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      error: { code: 'rate-limited', message: `Too many requests: at most ${context.max} a minute per API key; retry in ${Math.ceil(context.ttl / 1000)} s.` },
    }),
  });

  // Idempotency-Key on every POST of the API, before any route is registered (its hooks are the root's).
  app.register(idempotencyKeys, deps);

  // One error shape for every failure: a stable code, a sentence, and field errors when the input was bad.
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof AftercareError) {
      const details = err.details && typeof err.details === 'object' ? err.details : {};
      return reply.status(err.status).send({ error: { code: err.code, message: err.message, ...details } });
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status === 413) return reply.status(413).send({ error: { code: 'body-too-large', message: 'The request body is too large.' } });
    if (status === 429) {
      const built = (err as { error?: unknown }).error;
      return reply.status(429).send({ error: built ?? { code: 'rate-limited', message: 'Too many requests.' } });
    }
    if (status >= 400 && status < 500)
      return reply.status(status).send({ error: { code: 'invalid-input', message: 'The request could not be read as JSON.' } });
    req.log.error({ err: (err as Error).message }, 'request failed');
    return reply.status(500).send({ error: { code: 'internal', message: 'Something went wrong; nothing was changed.' } });
  });
  app.setNotFoundHandler((_req, reply) => reply.status(404).send({ error: { code: 'not-found', message: 'No such route.' } }));

  // A clinic admin signed in to the console may use the admin API for its own clinic.
  const consoleSession = deps.secret && consoleSessionReader(deps.clinics, deps.secret, () => deps.now?.() ?? new Date());
  app.decorate('adminAccess', { clinics: deps.clinics, operatorKeySha256: deps.operatorKeySha256, now: deps.now,
    consoleAdmin: consoleSession ? (req, clinicId) => clinicAdminOf(consoleSession, req, clinicId)?.staff : undefined });
  accessAudit(app, deps);
  app.register(collectApiDocs);
  app.register(twilioWebhooks, {
    db: deps.db, queues: deps.queues, log: deps.log, authToken: deps.twilio?.authToken, publicBaseUrl: deps.twilio?.publicBaseUrl ?? '',
    onUndelivered: deps.twilio?.onUndelivered,
    onInbound: (sms) => receiveReply(deps, sms),
    crisisAnswer: (sms) => immediateCrisisAnswer(deps.clinics, sms),
    keep: deps.inboundSpool?.keep,
  });

  app.register(twilioVoice, {
    db: deps.db, redis: deps.redis, queues: deps.queues, clinics: deps.clinics, log: deps.log, metrics: deps.metrics,
    authToken: deps.twilio?.authToken, publicBaseUrl: deps.twilio?.publicBaseUrl ?? '',
  });

  // Registered after the rate limiter and helmet so their route hooks apply to every route.
  app.register(clinicApi, deps);
  app.register(consentApi, deps);
  app.register(operations, deps);
  app.register(staffConsole, deps);
  app.register(apiDocs);
  app.register(adminQueues, deps);
  app.register(unsubscribeLinks, deps);
  app.register(fhirNotify, deps);
  app.register(ehrNotificationsApi, deps);
  app.register(adminClinics, deps);
  app.register(adminKeys, deps);
  app.register(auditApi, deps);
  app.register(patientErasure, deps);
  app.register(onCallApi, deps);
  app.register(hl7Http, { ...deps, accept: deps.accept ?? createAcceptor(deps) });
  if (deps.webhooks) app.register(adminWebhooks, { ...deps, dataKey: deps.webhooks.dataKey, allowPrivateNetworks: deps.webhooks.allowPrivateNetworks, authorize: async (req, clinicId) => authorizeAdmin(req, clinicId) });

  return app;
}
