import type { Env } from '../config/env.ts';
import type { Logger } from '../lib/logger.ts';
import type { SendRate } from '../lib/send-rate.ts';
import type { Channel, EmailMessage, SmsMessage } from './channel.ts';
import { createOutbox } from './outbox.ts';
import { createSmtpEmail } from './smtp-email.ts';
import { createTwilioSms } from './twilio-sms.ts';

export interface Channels {
  sms: Channel<SmsMessage>;
  email: Channel<EmailMessage>;
  close(): Promise<void>;
}

/** Twilio when its credentials are set, SMTP when SMTP_URL is set, otherwise the outbox. */
export function openChannels(env: Env, log: Logger, rate?: SendRate): Channels {
  const provider: Channel<SmsMessage> = env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
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
  const sms: Channel<SmsMessage> = rate
    ? { ...provider, send: (message) => rate.around(() => provider.send(message), message.priority) }
    : provider;
  const email: Channel<EmailMessage> = env.SMTP_URL
    ? createSmtpEmail({ url: env.SMTP_URL, from: env.EMAIL_FROM })
    : createOutbox<EmailMessage>('email', env.OUTBOX_DIR, log);
  return {
    sms,
    email,
    async close() {
      await Promise.all([sms.close?.(), email.close?.()]);
    },
  };
}
