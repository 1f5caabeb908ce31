import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from '../store/db.ts';
import { addWebhookDeliveries } from '../store/webhook-deliveries.ts';
import { subscribedEndpoints } from '../store/webhook-endpoints.ts';
import type { Logger } from './logger.ts';
import { enqueueWebhooks, type Queues } from './queues.ts';

/** What an integrator can subscribe to. */
export const webhookEventTypes = [
  'escalation.raised', 'escalation.acknowledged', 'message.delivered', 'message.failed', 'reply.received', 'consent.changed',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/**
 * The data of every event: ids, kinds and codes only, never a phone, an email, a name or a body
 * (strict: a field not named here is refused, so nobody adds one by accident). The reply's text
 * is added per endpoint, only for one with `includeReplyBody`.
 */
export const webhookDataSchema = z.strictObject({
  clinicId: z.string().min(1),
  patientId: z.string().min(1).optional(),
  escalationId: z.string().min(1).optional(),
  kind: z.string().min(1).optional(),
  reason: z.string().optional(),
  stepId: z.string().min(1).nullable().optional(),
  channel: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
  errorCode: z.string().nullable().optional(),
  replyId: z.string().min(1).optional(),
  classification: z.string().min(1).optional(),
  consent: z.enum(['opted-out', 'opted-in']).optional(),
  via: z.string().min(1).optional(),
});
export type WebhookData = z.infer<typeof webhookDataSchema>;

export interface WebhookEvent {
  clinicId: string;
  type: WebhookEventType;
  data: Omit<WebhookData, 'clinicId'>;
  /** The text of a reply (`reply.received`): only endpoints with `includeReplyBody` receive it. */
  replyBody?: string;
}

export interface EmitDeps {
  /** The database, or the transaction of the change the event reports (so both commit together). */
  db: Sql;
  /** Unset: the rows wait for the reconciler. */
  queues?: Queues;
  log?: Logger;
  now?: () => Date;
}

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('base64url').replace(/[-_]/g, 'x').slice(0, 22);

/**
 * The one way an event becomes webhooks: one outbox row per enabled endpoint of the clinic that
 * subscribes to the type, then one delivery job each. Written through `deps.db`, so inside a
 * transaction the rows commit with the change; a job that runs before the commit waits for it
 * (workers/webhooks.ts), and a job that is lost (Redis away or wiped) is re-made by the reconciler.
 * Returns the delivery ids (the Standard Webhooks `webhook-id`).
 */
export async function emitWebhook(deps: EmitDeps, event: WebhookEvent): Promise<string[]> {
  const data = webhookDataSchema.parse({ clinicId: event.clinicId, ...event.data });
  const endpoints = await subscribedEndpoints(deps.db, event.clinicId, event.type);
  if (endpoints.length === 0) return [];
  const at = deps.now?.() ?? new Date();
  const timestamp = at.toISOString();
  const rows = endpoints.map((endpoint) => {
    const withBody = event.type === 'reply.received' && endpoint.includeReplyBody && event.replyBody !== undefined;
    const payload = JSON.stringify({ type: event.type, timestamp, data: withBody ? { ...data, body: event.replyBody } : data });
    return { id: `msg_${digest(endpoint.id, event.type, timestamp, JSON.stringify(data))}`, endpointId: endpoint.id, clinicId: event.clinicId,
      eventType: event.type, payload, createdAt: at };
  });
  const ids = await addWebhookDeliveries(deps.db, rows);
  // Not awaited: a frozen Redis must not hold the change's transaction open (the rows are what is
  // durable, and the reconciler queues any row whose job never came).
  if (deps.queues && ids.length) {
    void enqueueWebhooks(deps.queues, ids.map((id) => ({ id })), at).catch((err: Error) =>
      deps.log?.warn({ clinicId: event.clinicId, type: event.type, err: err.message }, 'webhook not queued; the reconciler will queue it'));
  }
  return ids;
}
