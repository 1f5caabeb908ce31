import { z } from 'zod';

/**
 * A FHIR Subscription notification (R4 Subscriptions Backport IG, R4B): a `history` Bundle whose
 * first entry is the subscription status (a Parameters resource in R4, SubscriptionStatus in R4B),
 * followed by the changed resources when the payload is `full-resource`.
 */
export interface Notification {
  type: 'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';
  subscription: string;
  events: Array<{ eventNumber: string; focus: string }>;
  /** Resources the bundle carries beyond the status, by `Type/id`. */
  resources: Map<string, unknown>;
}

const reference = z.looseObject({ reference: z.string().min(1) });
const parameter = z.looseObject({
  name: z.string(),
  valueCode: z.string().optional(),
  valueString: z.string().optional(),
  valueUnsignedInt: z.number().optional(),
  valueInteger64: z.union([z.string(), z.number()]).optional(),
  valueReference: reference.optional(),
  part: z.array(z.looseObject({ name: z.string(), valueString: z.string().optional(), valueUnsignedInt: z.number().optional(), valueInteger64: z.union([z.string(), z.number()]).optional(), valueReference: reference.optional() })).optional(),
});
const parametersStatus = z.looseObject({ resourceType: z.literal('Parameters'), parameter: z.array(parameter).default([]) });
const r4bStatus = z.looseObject({
  resourceType: z.literal('SubscriptionStatus'),
  type: z.string(),
  subscription: reference,
  notificationEvent: z.array(z.looseObject({ eventNumber: z.union([z.string(), z.number()]), focus: reference.optional() })).default([]),
});
const bundle = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.literal('history', { message: 'a notification is a Bundle of type history' }),
  entry: z.array(z.looseObject({ fullUrl: z.string().optional(), resource: z.looseObject({ resourceType: z.string(), id: z.string().optional() }).optional() })).min(1),
});
const notificationTypes = ['handshake', 'heartbeat', 'event-notification', 'query-status', 'query-event'] as const;
const typeSchema = z.enum(notificationTypes);

/** `.../Encounter/123/_history/2` → `Encounter/123`. */
export function relativeReference(ref: string): string {
  const m = /([A-Z][A-Za-z]+)\/([A-Za-z0-9.-]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);
  return m ? `${m[1]}/${m[2]}` : ref;
}

/** The notification in a Bundle, or the reason it is not one. */
export function parseNotification(input: unknown): Notification | { error: string } {
  const b = bundle.safeParse(input);
  if (!b.success) return { error: b.error.issues[0]?.message ?? 'not a notification Bundle' };
  const [first, ...rest] = b.data.entry;
  const resources = new Map<string, unknown>();
  for (const e of rest) if (e.resource?.id) resources.set(`${e.resource.resourceType}/${e.resource.id}`, e.resource);
  const r4 = parametersStatus.safeParse(first?.resource);
  if (r4.success) {
    const param = (name: string) => r4.data.parameter.find((p) => p.name === name);
    const type = typeSchema.safeParse(param('type')?.valueCode);
    const subscription = param('subscription')?.valueReference?.reference;
    if (!type.success || !subscription) return { error: 'the status Parameters lack a known type or the subscription' };
    const events = r4.data.parameter.filter((p) => p.name === 'notification-event').flatMap((p) => {
      const part = (name: string) => p.part?.find((x) => x.name === name);
      const n = part('event-number');
      const eventNumber = n?.valueString ?? n?.valueUnsignedInt ?? n?.valueInteger64;
      const focus = part('focus')?.valueReference?.reference;
      return eventNumber !== undefined && focus ? [{ eventNumber: String(eventNumber), focus: relativeReference(focus) }] : [];
    });
    return { type: type.data, subscription: relativeReference(subscription), events, resources };
  }
  const r4b = r4bStatus.safeParse(first?.resource);
  if (r4b.success) {
    const type = typeSchema.safeParse(r4b.data.type);
    if (!type.success) return { error: `unknown notification type ${r4b.data.type}` };
    const events = r4b.data.notificationEvent.flatMap((e) => (e.focus ? [{ eventNumber: String(e.eventNumber), focus: relativeReference(e.focus.reference) }] : []));
    return { type: type.data, subscription: relativeReference(r4b.data.subscription.reference), events, resources };
  }
  return { error: 'the first entry is neither a Parameters nor a SubscriptionStatus' };
}
