import { z } from 'zod';
import { ConfigError } from '../lib/errors.ts';
import { DeliveryError } from './channel.ts';
import { twilioClient } from './twilio-client.ts';
import type { ChannelAdapter, SentReceipt, SmsMessage } from './channel.ts';

export interface TwilioSmsOptions {
  accountSid: string;
  authToken: string;
  from?: string;
  messagingServiceSid?: string;
  statusCallbackUrl: string;
  /** Another host speaking Twilio's REST API (a local test server); unset means api.twilio.com. */
  apiBaseUrl?: string;
  /** Per-request timeout, so a Twilio that never answers cannot hold a worker. */
  timeoutMs?: number;
}

const defaultTimeoutMs = 10_000;
/** How far Twilio's clock (and its whole-second `date_created`) may trail ours. */
const clockSkewMs = 60_000;
/** Enough of one recipient's history for one day; bounds the paging of a lookup. */
const lookupLimit = 200;

/** Twilio errors that retrying cannot fix; the text is ours, never Twilio's (Twilio's echoes the number). */
const permanentReasons: Record<number, string> = {
  20003: 'Twilio refused the credentials',
  21211: "the 'To' number is not a valid phone number",
  21408: 'SMS to this region is not enabled on the account',
  21610: 'the recipient has unsubscribed (replied STOP)',
  21612: 'Twilio cannot route a message to this number',
  21614: "the 'To' number is not a mobile number",
};

/** Failures where the request never left this host, so Twilio cannot have the message. */
const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
/** axios reports its own timeout as ECONNABORTED (ETIMEDOUT with clarifyTimeoutError). */
const timeoutCodes = new Set(['ECONNABORTED', 'ETIMEDOUT']);

// The SDK throws RestException / TwilioServiceException (status, numeric code) for HTTP errors
// and passes axios errors (string code, no status) through for network failures.
const httpFailure = z.object({ status: z.number().int(), code: z.number().int().optional().catch(undefined) });
const networkFailure = z.object({ code: z.string().regex(/^[A-Z0-9_]{1,40}$/) });
const createdMessage = z.object({ sid: z.string().min(1) });
const listedMessage = z.object({ sid: z.string().min(1), body: z.string().nullable(), dateCreated: z.coerce.date() });

/** `mayHaveArrived`: the call was a create, so a failure after sending leaves the outcome unknown. */
function toDeliveryError(error: unknown, mayHaveArrived: boolean): DeliveryError {
  const lost = mayHaveArrived ? DeliveryError.ambiguous : DeliveryError.transient;
  const http = httpFailure.safeParse(error);
  if (http.success) {
    const { status, code } = http.data;
    const label = code === undefined ? `twilio-http-${status}` : `twilio-${code}`;
    if (status === 429 || code === 20429) {
      return DeliveryError.transient(label, `Twilio rate limit reached (HTTP ${status}, ${label})`);
    }
    if (status >= 500) return DeliveryError.transient(label, `Twilio server error (HTTP ${status}, ${label})`);
    if (status >= 400) {
      const reason = (code !== undefined && permanentReasons[code]) || 'Twilio rejected the request';
      return DeliveryError.permanent(label, `${reason} (HTTP ${status}, ${label})`);
    }
    // A redirect or other non-2xx answer: Twilio did not create anything.
    return DeliveryError.transient(label, `unexpected answer from Twilio (HTTP ${status})`);
  }
  const network = networkFailure.safeParse(error);
  if (network.success) {
    const { code } = network.data;
    if (notSentCodes.has(code)) return DeliveryError.transient('twilio-unreachable', `Twilio unreachable (${code})`);
    if (timeoutCodes.has(code)) {
      return lost('twilio-timeout', 'Twilio did not answer in time');
    }
    return lost('twilio-connection-lost', `connection to Twilio lost (${code})`);
  }
  return lost('twilio-unknown', 'Twilio call failed unexpectedly');
}

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

export function createTwilioSms(options: TwilioSmsOptions): ChannelAdapter<SmsMessage> {
  const { accountSid, authToken, from, messagingServiceSid, statusCallbackUrl } = options;
  if (!from && !messagingServiceSid) {
    throw new ConfigError('Twilio SMS needs a From number or a Messaging Service SID');
  }
  const client = twilioClient({ accountSid, authToken, apiBaseUrl: options.apiBaseUrl, timeoutMs: options.timeoutMs ?? defaultTimeoutMs });

  return {
    kind: 'sms',
    provider: 'twilio',

    async send(message: SmsMessage): Promise<SentReceipt> {
      let created: unknown;
      try {
        created = await client.messages.create({
          to: message.to,
          body: message.body,
          statusCallback: statusCallbackUrl,
          ...(from ? { from } : {}),
          ...(messagingServiceSid ? { messagingServiceSid } : {}),
        });
      } catch (error) {
        throw toDeliveryError(error, true);
      }
      const parsed = createdMessage.safeParse(created);
      if (!parsed.success) {
        // Twilio answered 2xx, so the message exists; without its sid the caller must look it up.
        throw DeliveryError.ambiguous('twilio-bad-response', 'Twilio accepted the message without a sid');
      }
      return { providerId: parsed.data.sid };
    },

    async findSent(message: SmsMessage, since: Date): Promise<SentReceipt | undefined> {
      const earliest = new Date(since.getTime() - clockSkewMs);
      let listed: unknown[];
      try {
        // Twilio filters DateSent by whole GMT days ("DateSent>=YYYY-MM-DD"): the rest is checked here.
        listed = await client.messages.list({ to: message.to, dateSentAfter: startOfUtcDay(earliest), limit: lookupLimit });
      } catch (error) {
        throw toDeliveryError(error, false);
      }
      const matches = listed.flatMap((item) => {
        const parsed = listedMessage.safeParse(item);
        return parsed.success && parsed.data.body === message.body && parsed.data.dateCreated >= earliest
          ? [parsed.data]
          : [];
      });
      // The first accepted copy is the one to keep, should there somehow be two.
      matches.sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime());
      const first = matches[0];
      return first === undefined ? undefined : { providerId: first.sid };
    },
  };
}
