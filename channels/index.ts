import { unsubscribePath } from '../lib/unsubscribe-link.ts';
import { isTemplateKey } from '../templates/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { SendRate } from '../lib/send-rate.ts';
import type { CallLimit } from '../lib/call-rate.ts';
import { DeliveryError, type ChannelAdapter, type EmailMessage, type OutboundMessage, type SmsMessage, type VoiceChannel } from './channel.ts';
import { createOutbox } from './outbox.ts';
import { createSmtpEmail } from './smtp-email.ts';
import { createTwilioSms } from './twilio-sms.ts';
import { createTwilioVoice } from './twilio-voice.ts';
import { createVoiceOutbox } from './voice-outbox.ts';

export interface Channels {
  sms: ChannelAdapter<SmsMessage>;
  email: ChannelAdapter<EmailMessage>;
  /** Staff calls; the SMS rate limit does not apply to them, the per-number call limit does. */
  voice: VoiceChannel;
  close(): Promise<void>;
}

/** The settings the channels read, named as config/env.ts validates them (an `Env` has them all). */
export interface ChannelSettings {
  TWILIO_ACCOUNT_SID?: string | undefined;
  TWILIO_AUTH_TOKEN?: string | undefined;
  TWILIO_FROM?: string | undefined;
  TWILIO_MESSAGING_SERVICE_SID?: string | undefined;
  TWILIO_API_URL?: string | undefined;
  SMTP_URL?: string | undefined;
  EMAIL_FROM: string;
  SMTP_POOL_SIZE: number;
  PUBLIC_BASE_URL: string;
  OUTBOX_DIR: string;
}

/**
 * Twilio when its credentials are set, SMTP when SMTP_URL is set, otherwise the outbox. With the
 * unsubscribe key (`unsubscribeKey` of the server secret), patient emails carry a signed one-click
 * unsubscribe link.
 */
export function openChannels(env: ChannelSettings, log: Logger, rate?: SendRate, unsubscribeKey?: Buffer, calls?: CallLimit): Channels {
  const provider: ChannelAdapter<SmsMessage> = env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
    ? createTwilioSms({
        accountSid: env.TWILIO_ACCOUNT_SID,
        authToken: env.TWILIO_AUTH_TOKEN,
        from: env.TWILIO_FROM,
        messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
        statusCallbackUrl: `${env.PUBLIC_BASE_URL}/webhooks/twilio/status`,
        apiBaseUrl: env.TWILIO_API_URL,
      })
    : createOutbox<SmsMessage>('sms', env.OUTBOX_DIR, log);
  // The limit sits right before the provider call, so only real SMS sends count against it.
  const sms = beforeProvider(provider, rate);
  const email = beforeProvider(env.SMTP_URL
    // Pooled: a connection (and its TLS and AUTH) serves many sends instead of one each.
    ? createSmtpEmail({ url: env.SMTP_URL, from: env.EMAIL_FROM, pool: true, maxConnections: env.SMTP_POOL_SIZE, unsubscribeUrl: unsubscribeLink(env, unsubscribeKey) })
    : createOutbox<EmailMessage>('email', env.OUTBOX_DIR, log));
  // Calls need a number of their own to come from; a Messaging Service alone cannot place them.
  const voiceProvider: VoiceChannel = env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM
    ? createTwilioVoice({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, from: env.TWILIO_FROM, publicBaseUrl: env.PUBLIC_BASE_URL, apiBaseUrl: env.TWILIO_API_URL })
    : createVoiceOutbox(env.OUTBOX_DIR, log);
  const voice = limitCalls(voiceProvider, calls);
  return {
    sms,
    email,
    voice,
    async close() {
      await Promise.all([sms.close?.(), email.close?.()]);
    },
  };
}

// Only the patient's own messages (the care plan's templates) get a link: a staff notice names a patient it must not opt out.
function unsubscribeLink(env: ChannelSettings, key: Buffer | undefined): ((m: EmailMessage) => string | undefined) | undefined {
  if (!key) return undefined;
  return (m) => (isTemplateKey(m.template) ? `${env.PUBLIC_BASE_URL}${unsubscribePath(key, { clinicId: m.clinicId, patientId: m.patientId, channel: 'email' })}` : undefined);
}

/** A send's `beforeSend` (its claim) runs inside the rate-limit slot, right before the provider call. */
function beforeProvider<M extends OutboundMessage>(provider: ChannelAdapter<M>, rate?: SendRate): ChannelAdapter<M> {
  const call = async (message: M, beforeSend?: () => Promise<void>) => {
    await beforeSend?.();
    return provider.send(message);
  };
  return { ...provider, send: (message, beforeSend) => (rate ? rate.around(() => call(message, beforeSend), message.channel === 'sms' ? message.priority : undefined) : call(message, beforeSend)) };
}

/** One call ringing per number, a few a minute: a refused call is retried by its notice job. */
function limitCalls(provider: VoiceChannel, calls?: CallLimit): VoiceChannel {
  if (!calls) return provider;
  return {
    ...provider,
    async send(message) {
      const slot = await calls.acquire(message.to);
      if ('refused' in slot) throw DeliveryError.transient(`call-${slot.refused}`, slot.refused === 'ringing' ? 'a call to this number is ringing' : 'this number has had its calls for this minute');
      try {
        const receipt = await provider.send(message);
        await calls.placed(message.to, slot.token, receipt.providerId);
        return receipt;
      } catch (err) {
        await calls.release(message.to, slot.token, err instanceof DeliveryError && !err.ambiguous);
        throw err;
      }
    },
  };
}
