import type { FastifyPluginAsync, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import { emitWebhook } from '../../lib/emit-webhook.ts';
import { AftercareError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Queues } from '../../lib/queues.ts';
import type { Db } from '../../store/db.ts';
import { recordDeliveryStatus, reportedStatuses } from '../../store/delivery-status.ts';
import type { ReportedDelivery } from '../../store/delivery-status.ts';
import { twilioInboundSchema, twilioStatusSchema } from './openapi.ts';
import { documentationOnly, errors, openRoute, ref, required, textResponse } from './route-schemas.ts';

export interface TwilioWebhookDeps {
  db: Db;
  /** Unset means no Twilio account: every webhook is refused, since none can be verified. */
  authToken: string | undefined;
  /** The URL Twilio calls us at (PUBLIC_BASE_URL), without a trailing slash. */
  publicBaseUrl: string;
  log: Logger;
  /** Where outbound webhook deliveries are queued (message.delivered, message.failed). */
  queues?: Queues;
  /** A delivery just became undelivered or failed (the dispatcher falls back to email). */
  onUndelivered?: (delivery: ReportedDelivery) => Promise<void>;
  /** An inbound SMS; what it returns as `answer` goes back to the sender at once. */
  onInbound?: (sms: InboundMessage) => Promise<{ answer?: string }>;
  /** The crisis guidance for a message in crisis language, from the clinic file alone (no database). */
  crisisAnswer?: (sms: InboundMessage) => string | undefined;
  /** Keeps a message `onInbound` could not take (PostgreSQL away) until it can. */
  keep?: (sms: InboundMessage) => Promise<void>;
}

type InboundMessage = { sid: string; from: string; to?: string; body: string };

// Twilio waits 15 s for the answer: a database or Redis that hangs must still leave time for the crisis guidance.
const receiveDeadlineMs = 8_000;
const keepDeadlineMs = 3_000;

/** `work`, or a named error once `ms` have passed (the work itself carries on; receiving is idempotent). */
async function within<T>(work: Promise<T> | undefined, ms: number, code: 'database-unavailable' | 'redis-unavailable', message: string): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AftercareError(code, message)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

// Codes, not messages: a driver's message may quote the values it was given.
const reasonOf = (err: unknown) => (err instanceof AftercareError ? err.code : ((err as { code?: string }).code ?? (err as Error).name));

export const statusPath = '/webhooks/twilio/status';
export const inboundPath = '/webhooks/twilio/inbound';

const formFields = z.record(z.string(), z.string());
const knownStatus = z.enum(reportedStatuses);

const signed = {
  ...openRoute, tags: ['Twilio webhooks'], consumes: ['application/x-www-form-urlencoded'],
  headers: required({ 'x-twilio-signature': { type: 'string',
    description: 'HMAC-SHA1 of the public URL and form fields with the Twilio auth token; a missing or wrong one is a 403.' } }),
};
const schemas: Record<'inbound' | 'status', FastifySchema> = {
  inbound: {
    ...signed, operationId: 'twilioInbound', summary: 'Inbound SMS from a patient', body: ref('TwilioInbound'),
    response: { 200: textResponse('text/xml', 'TwiML; holds a `<Message>` when the reply calls for an immediate answer (STOP, crisis guidance).'), ...errors(400, 403) },
  },
  status: {
    ...signed, operationId: 'twilioStatus', summary: 'Delivery report for a sent SMS', body: ref('TwilioStatus'),
    response: { 204: { description: 'Recorded, or ignored (a status or message this service does not track).', type: 'null' }, ...errors(400, 403) },
  },
};

function forbidden(reply: FastifyReply, message: string) {
  return reply.status(403).send({ error: { code: 'forbidden', message } });
}

/**
 * Twilio's webhooks as an encapsulated plugin (its form parser stays inside it):
 * `app.register(twilioWebhooks, deps)`.
 */
export const twilioWebhooks: FastifyPluginAsync<TwilioWebhookDeps> = async (app, deps) => {
  const log = deps.log.child({ component: 'twilio-webhooks' });
  documentationOnly(app);

  // Twilio posts application/x-www-form-urlencoded; no dependency needed to read it.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
  });

  /** The request's form fields when Twilio signed them, else undefined (and a 403 has been sent). */
  const verified = (req: FastifyRequest, reply: FastifyReply): Record<string, string> | undefined => {
    const signature = req.headers['x-twilio-signature'];
    const params = formFields.safeParse(req.body ?? {});
    if (deps.authToken === undefined) return void forbidden(reply, 'Twilio webhooks are not configured (no auth token).');
    if (typeof signature !== 'string' || signature === '') return void forbidden(reply, 'Missing X-Twilio-Signature.');
    // The URL Twilio signed is the public one: behind a proxy, the Host header names the proxy's upstream.
    const url = deps.publicBaseUrl.replace(/\/+$/, '') + req.url;
    if (!params.success || !twilio.validateRequest(deps.authToken, signature, url, params.data))
      return void forbidden(reply, 'The X-Twilio-Signature does not match this request.');
    return params.data;
  };

  app.post(inboundPath, { schema: schemas.inbound }, async (req, reply) => {
    const params = verified(req, reply);
    if (!params) return reply;
    const message = twilioInboundSchema.safeParse(params);
    if (!message.success) return reply.status(400).send({ error: { code: 'invalid-input', message: 'Not a Twilio inbound message.' } });
    const { MessageSid: sid, From: from, Body: body = '' } = message.data;
    const to = typeof params.To === 'string' ? params.To : undefined;
    const sms = { sid, from, to, body };
    // Classified before anything else: crisis guidance needs no database and no Redis.
    const crisis = deps.crisisAnswer?.(sms);
    let answer: string | undefined;
    try {
      // A crisis is always answered, even when it was received before (a redelivered webhook).
      answer = (await within(deps.onInbound?.(sms), receiveDeadlineMs, 'database-unavailable', 'The database did not answer in time.'))?.answer ?? crisis;
    } catch (err) {
      // Twilio never re-delivers an inbound message after an error: keep it for later, answer a crisis now.
      const kept = deps.keep
        ? await within(deps.keep(sms), keepDeadlineMs, 'redis-unavailable', 'Redis did not answer in time.').then(() => true, (keepErr: unknown) => {
          log.error({ replyId: sid, reason: reasonOf(keepErr) }, 'inbound SMS could not be kept either');
          return false;
        })
        : false;
      if (!kept && crisis === undefined) throw err;
      log.warn({ replyId: sid, kept, crisis: crisis !== undefined, reason: reasonOf(err) }, 'inbound SMS not received now; kept for later');
      answer = crisis;
    }
    // TwiML: an immediate answer when the reply calls for one, else an empty response.
    const twiml = new twilio.twiml.MessagingResponse();
    if (answer) twiml.message(answer);
    return reply.status(200).header('content-type', 'text/xml').send(twiml.toString());
  });

  app.post(statusPath, { schema: schemas.status }, async (req, reply) => {
    const params = verified(req, reply);
    if (!params) return reply;
    const callback = twilioStatusSchema.safeParse(params);
    if (!callback.success) {
      return reply.status(400).send({ error: { code: 'invalid-input', message: 'Not a Twilio status callback.', issues: z.flattenError(callback.error).fieldErrors } });
    }
    const { MessageSid: providerId, MessageStatus, ErrorCode: errorCode } = callback.data;
    const status = knownStatus.safeParse(MessageStatus);
    if (!status.success) {
      // read, canceled, partially_delivered, ...: nothing this service tracks.
      log.info({ providerId, status: MessageStatus }, 'delivery report ignored');
      return reply.status(204).send();
    }

    const recorded = await recordDeliveryStatus(deps.db, { providerId, status: status.data, ...(errorCode ? { errorCode } : {}) });
    if (!recorded) {
      log.warn({ providerId, status: status.data }, 'delivery report for an unknown message');
      return reply.status(204).send();
    }
    const { delivery, changed } = recorded;
    log.info(
      { deliveryId: delivery.id, stepId: delivery.stepId, clinicId: delivery.clinicId, patientId: delivery.patientId, providerId, status: status.data, errorCode, changed },
      'delivery report',
    );
    if (changed && (status.data === 'undelivered' || status.data === 'failed')) await deps.onUndelivered?.(delivery);
    if (changed && ['delivered', 'undelivered', 'failed'].includes(status.data)) await emitWebhook(deps, { clinicId: delivery.clinicId, type: status.data === 'delivered' ? 'message.delivered' : 'message.failed', data: { patientId: delivery.patientId, stepId: delivery.stepId, channel: delivery.channel, status: status.data, errorCode: errorCode || null } });
    return reply.status(204).send();
  });
};
