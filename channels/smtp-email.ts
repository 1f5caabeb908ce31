/**
 * Email over SMTP through nodemailer. Knows SMTP reply codes and nodemailer's error codes,
 * and turns them into DeliveryError; error messages carry codes, never addresses or bodies.
 */
import { PassThrough, pipeline } from 'node:stream';
import nodemailer from 'nodemailer';
import type { NodemailerError, SendMailOptions } from 'nodemailer';
import { DeliveryError } from './channel.ts';
import type { ChannelAdapter, EmailMessage } from './channel.ts';

export interface SmtpEmailOptions {
  /** `smtp://user:pass@host:587`, `smtps://...`; nodemailer reads timeouts from its query too. */
  url: string;
  /** Sender address; the display name is each message's `fromName`. */
  from: string;
  /** One-click unsubscribe link for a message (RFC 8058), if the clinic has one. */
  unsubscribeUrl?: (message: EmailMessage) => string | undefined;
  /** Keep connections open between sends. */
  pool?: boolean;
  /** With `pool`: at most this many connections at once (nodemailer's default is 5). */
  maxConnections?: number;
}

/** Nodemailer codes of a connection that never got to talk SMTP: the message cannot have left. */
const CONNECT_FAILURES = new Set(['EDNS', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** Nodemailer codes of a connection that broke mid-session. */
const CONNECTION_LOST = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EPROTOCOL']);

/**
 * A Message-ID derived from the business key, so a retried send carries the same one.
 * Anything but [A-Za-z0-9_-] is escaped as =XX so the id is always a valid dot-atom (RFC 5322 §3.6.4).
 */
export function smtpMessageId(messageId: string): string {
  const local = Array.from(Buffer.from(messageId, 'utf8'), (byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9_-]/.test(char) ? char : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
  return `<${local}@aftercare>`;
}

/** Maps a nodemailer failure to a DeliveryError; `bodySent` is whether the server got past DATA. */
export function toDeliveryError(err: unknown, bodySent: boolean): DeliveryError {
  const e: NodemailerError = err instanceof Error ? err : new Error(String(err));
  const command = e.command ?? 'send';
  const code = e.code ?? 'unknown';
  const lost = bodySent ? DeliveryError.ambiguous : DeliveryError.transient;
  // Credentials are the operator's problem, not the recipient's: retry rather than drop the patient.
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    return DeliveryError.transient('smtp-auth', `smtp authentication failed (${e.responseCode ?? code})`);
  }
  if (typeof e.responseCode === 'number') {
    const reply = e.responseCode;
    // RFC 5321 §4.2.1: 5yz is permanent; 503 only says the session was out of step, so a new one may pass.
    const permanent = reply >= 500 && reply !== 503;
    const enhanced = /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})\b/.exec(e.response ?? '')?.[1];
    const detail = enhanced === undefined ? `${reply}` : `${reply} ${enhanced}`;
    return (permanent ? DeliveryError.permanent : DeliveryError.transient)(`smtp-${reply}`, `smtp ${detail} after ${command}`);
  }
  const cause = e.originalCode ?? code;
  if (CONNECT_FAILURES.has(cause) || CONNECT_FAILURES.has(code)) {
    return DeliveryError.transient('smtp-unreachable', `smtp server unreachable (${cause})`);
  }
  if (CONNECTION_LOST.has(code)) {
    const what = code === 'ETIMEDOUT' ? `timed out (${e.timeoutType ?? 'timeout'})` : `connection lost (${cause})`;
    // Once the body went out the server may have queued it even though no reply came back.
    return lost(code === 'ETIMEDOUT' ? 'smtp-timeout' : 'smtp-connection', `smtp ${what}`);
  }
  if (code === 'EENVELOPE' || code === 'EMESSAGE') {
    return DeliveryError.permanent('smtp-invalid-message', `smtp rejected the message before sending (${code})`);
  }
  return lost('smtp-error', `smtp send failed (${code})`);
}

interface SendProgress {
  tracked: boolean;
  bodyStarted: boolean;
}

function listUnsubscribe(from: string, url: string | undefined): string[] {
  const mailto = `mailto:${from}?subject=unsubscribe`;
  return url === undefined ? [mailto] : [mailto, url];
}

export function createSmtpEmail(options: SmtpEmailOptions): ChannelAdapter<EmailMessage> {
  const transporter = nodemailer.createTransport(options.pool
    ? { url: options.url, pool: true, ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }) }
    : { url: options.url, pool: false });

  // Per send, keyed by its headers object (nodemailer hands it to plugins as is): did the body start?
  const progress = new WeakMap<object, SendProgress>();
  transporter.use('stream', (mail, done) => {
    const state = progress.get(mail.data.headers ?? {});
    if (state !== undefined) {
      state.tracked = true;
      mail.message.processFunc((input) => {
        // smtp-connection pipes (and so resumes) the message stream only after the 354 reply to DATA.
        const output = new PassThrough();
        output.once('resume', () => {
          state.bodyStarted = true;
        });
        return pipeline(input, output, () => {});
      });
    }
    done();
  });

  return {
    kind: 'email',
    provider: 'smtp',
    async send(message) {
      const url = options.unsubscribeUrl?.(message);
      const headers: Record<string, string> = url === undefined ? {} : { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
      const state: SendProgress = { tracked: false, bodyStarted: false };
      progress.set(headers, state);
      const mail: SendMailOptions = {
        from: { name: message.fromName, address: options.from },
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: smtpMessageId(message.messageId),
        // One header holding both forms, mailto first (RFC 2369 §3.2, RFC 8058 §3.1).
        list: { unsubscribe: [listUnsubscribe(options.from, url)] },
        headers,
      };
      try {
        const info = await transporter.sendMail(mail);
        return { providerId: info.messageId };
      } catch (err) {
        // Untracked (a nodemailer that copies headers) means unknown: assume the body may have gone.
        throw toDeliveryError(err, state.tracked ? state.bodyStarted : true);
      }
    },
    async close() {
      transporter.close();
    },
  };
}
