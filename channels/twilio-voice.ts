import { z } from 'zod';
import { DeliveryError } from './channel.ts';
import { twilioClient } from './twilio-client.ts';
import type { SentReceipt, VoiceChannel, VoiceMessage } from './channel.ts';

// Staff calls through the official twilio SDK (Calls resource). Thin: it places and ends calls
// and maps Twilio's errors; what a call says is TwiML served when it is answered.

export interface TwilioVoiceOptions {
  accountSid: string;
  authToken: string;
  /** A Twilio voice-capable number (TWILIO_FROM). */
  from: string;
  /** Where Twilio fetches the TwiML and posts gather results and call status (PUBLIC_BASE_URL). */
  publicBaseUrl: string;
  apiBaseUrl?: string;
  timeoutMs?: number;
  /** How long a call rings before Twilio reports no-answer. */
  ringSeconds?: number;
}

/** The URLs of one staff call, by its notice id (no phone, no patient in them). */
export const voicePaths = {
  twiml: (noticeId: string) => `/webhooks/twilio/voice/${encodeURIComponent(noticeId)}`,
  gather: (noticeId: string) => `/webhooks/twilio/voice/${encodeURIComponent(noticeId)}/gather`,
  status: (noticeId: string) => `/webhooks/twilio/voice/${encodeURIComponent(noticeId)}/status`,
};

/** Twilio call errors that retrying cannot fix; the text is ours (Twilio's echoes the number). */
const permanentReasons: Record<number, string> = {
  13223: 'the number is not in a dialable format',
  13224: 'the number is not a valid phone number',
  20003: 'Twilio refused the credentials',
  21210: "the 'From' number is not a verified caller id of the account",
  21211: "the 'To' number is not a valid phone number",
  21214: "the 'To' number cannot be reached",
  21215: 'calls to this region are not enabled on the account (geo permissions)',
  21216: 'the number is blocked by Twilio',
  21217: 'the number does not appear to be valid',
};
const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
const httpFailure = z.object({ status: z.number().int(), code: z.number().int().optional().catch(undefined) });
const networkFailure = z.object({ code: z.string().regex(/^[A-Z0-9_]{1,40}$/) });
const createdCall = z.object({ sid: z.string().min(1) });
const fetchedCall = z.object({ status: z.string() });

function toDeliveryError(error: unknown): DeliveryError {
  const http = httpFailure.safeParse(error);
  if (http.success) {
    const { status, code } = http.data;
    const label = code === undefined ? `twilio-http-${status}` : `twilio-${code}`;
    if (status === 429 || code === 20429) return DeliveryError.transient(label, `Twilio rate limit reached (HTTP ${status}, ${label})`);
    if (status >= 500) return DeliveryError.transient(label, `Twilio server error (HTTP ${status}, ${label})`);
    if (status >= 400) return DeliveryError.permanent(label, `${(code !== undefined && permanentReasons[code]) || 'Twilio refused the call'} (HTTP ${status}, ${label})`);
    return DeliveryError.transient(label, `unexpected answer from Twilio (HTTP ${status})`);
  }
  const network = networkFailure.safeParse(error);
  if (network.success && notSentCodes.has(network.data.code)) return DeliveryError.transient('twilio-unreachable', `Twilio unreachable (${network.data.code})`);
  // A second call after a lost answer costs a ring; the per-number limit keeps it from ringing twice at once.
  return DeliveryError.transient(network.success ? 'twilio-connection-lost' : 'twilio-unknown', 'the call to Twilio failed');
}

export function createTwilioVoice(options: TwilioVoiceOptions): VoiceChannel {
  const client = twilioClient({ accountSid: options.accountSid, authToken: options.authToken, apiBaseUrl: options.apiBaseUrl, timeoutMs: options.timeoutMs ?? 10_000 });
  const base = options.publicBaseUrl.replace(/\/+$/, '');
  return {
    kind: 'voice',
    provider: 'twilio',
    async send(message: VoiceMessage): Promise<SentReceipt> {
      let created: unknown;
      try {
        created = await client.calls.create({
          to: message.to,
          from: options.from,
          url: base + voicePaths.twiml(message.messageId),
          method: 'POST',
          statusCallback: base + voicePaths.status(message.messageId),
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
          statusCallbackMethod: 'POST',
          // Synchronous detection: the TwiML request says AnsweredBy (human, machine_start, fax, unknown).
          machineDetection: 'Enable',
          timeout: options.ringSeconds ?? 30,
        });
      } catch (error) {
        throw toDeliveryError(error);
      }
      const parsed = createdCall.safeParse(created);
      if (!parsed.success) throw DeliveryError.transient('twilio-bad-response', 'Twilio accepted the call without a sid');
      return { providerId: parsed.data.sid };
    },
    async end(providerId: string): Promise<void> {
      try {
        const call = fetchedCall.parse(await client.calls(providerId).fetch());
        // `canceled` hangs up a queued or ringing call; one answered or over is left alone.
        if (call.status === 'queued' || call.status === 'ringing' || call.status === 'initiated') await client.calls(providerId).update({ status: 'canceled' });
      } catch (error) {
        throw toDeliveryError(error);
      }
    },
  };
}
