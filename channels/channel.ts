/** One message to one address through one channel; ids, never patient data, go to logs. */
export interface SmsMessage {
  channel: 'sms';
  /** Stable per (step, channel): the idempotency key of the send. */
  messageId: string;
  clinicId: string;
  patientId: string;
  template: string;
  to: string;
  body: string;
  scheduledFor: string;
  /** Staff notices and crisis answers go ahead of routine messages in the SMS rate limit. */
  priority?: 'urgent' | 'routine';
}

export interface EmailMessage {
  channel: 'email';
  messageId: string;
  clinicId: string;
  patientId: string;
  template: string;
  to: string;
  /** Display name of the sender: the clinic. */
  fromName: string;
  subject: string;
  text: string;
  html: string;
  scheduledFor: string;
}

export type OutboundMessage = SmsMessage | EmailMessage;

/** A staff call: what it says is served as TwiML when it is answered (producers/http/twilio-voice.ts), by `messageId`. */
export interface VoiceMessage {
  channel: 'voice';
  /** The staff notice's id: the call's TwiML, gather and status URLs name it. */
  messageId: string;
  clinicId: string;
  patientId: string;
  template: 'escalation-call';
  to: string;
  scheduledFor: string;
}

/** Calls: placed like any message, and ended (a ringing call for an escalation someone acknowledged). */
export interface VoiceChannel {
  kind: 'voice';
  provider: string;
  send(message: VoiceMessage): Promise<SentReceipt>;
  /** Hangs up a call that is queued or ringing; nothing for one already over or answered. */
  end(providerId: string): Promise<void>;
  close?(): Promise<void>;
}

export interface SentReceipt {
  providerId: string;
}

export interface ChannelAdapter<M extends OutboundMessage = OutboundMessage> {
  kind: M['channel'];
  /** 'twilio' | 'smtp' | 'outbox': said at start-up, never with secrets. */
  provider: string;
  /**
   * `beforeSend` runs right before the provider call, inside the rate-limit slot (the channels of
   * `openChannels` run it; a bare provider does not): the delivery claim, which throws to stop the send.
   */
  send(message: M, beforeSend?: () => Promise<void>): Promise<SentReceipt>;
  /**
   * After an ambiguous failure (the request may have reached the provider), find the
   * message the provider already accepted so it is not sent twice.
   */
  findSent?(message: M, since: Date): Promise<SentReceipt | undefined>;
  close?(): Promise<void>;
}

/**
 * Thrown by a channel, built by what the failure means for a retry: `transient` (the provider did
 * not take the message: retry with backoff), `permanent` (an invalid number, an unsubscribed
 * recipient: never retried) or `ambiguous` (the request may have reached the provider: the retry
 * looks there before sending again).
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  private constructor(
    message: string,
    readonly permanent: boolean,
    readonly code: string,
    readonly ambiguous = false,
  ) {
    super(message);
  }

  static transient(code: string, message: string): DeliveryError {
    return new DeliveryError(message, false, code);
  }

  static permanent(code: string, message: string): DeliveryError {
    return new DeliveryError(message, true, code);
  }

  static ambiguous(code: string, message: string): DeliveryError {
    return new DeliveryError(message, false, code, true);
  }
}
