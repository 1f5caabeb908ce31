/**
 * A local SMTP server for tests: accepts mail on 127.0.0.1 (port 0), parses each message with
 * mailparser, and plays scripted faults in order so a test can make the next send fail.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { AddressObject, HeaderValue } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerSession } from 'smtp-server';

/** One scripted failure, consumed by the first connection or message it applies to. */
export type SinkFault =
  /** Reply to the end of DATA with this SMTP code (451 try again, 550 mailbox unavailable). */
  | { code: number; message: string }
  /** Refuse the next connection with a 421 greeting. */
  | { refuse: true }
  /**
   * Close the connection without a reply: before the greeting ('connect'), or at the end of
   * DATA ('data'), where the client cannot know whether the mail went.
   */
  | { drop: 'connect' | 'data' };

export interface SinkMessage {
  /** The From header as text, e.g. `"Clinic" <care@clinic.test>`. */
  from: string;
  fromName: string;
  fromAddress: string;
  /** Addresses of the To header. */
  to: string[];
  /** SMTP envelope recipients (RCPT TO). */
  rcptTo: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** Lower-case header name → mailparser's parsed value (List-* headers land under `list`). */
  headers: Map<string, HeaderValue>;
  /** Lower-case header name → the raw value as sent, unfolded (the first one if repeated). */
  rawHeaders: Map<string, string>;
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:PORT` */
  url: string;
  /** Accepted messages, in arrival order. */
  messages: SinkMessage[];
  /** SMTP connections opened so far (a pooled client reuses them). */
  readonly connections: number;
  failNext(...faults: SinkFault[]): void;
  /** Resolves once at least `count` messages were accepted; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<SinkMessage[]>;
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** Force-close client connections this long after close() (smtp-server defaults to 30 s). */
  closeTimeoutMs?: number;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

function faultPhase(fault: SinkFault): 'connect' | 'data' {
  if ('refuse' in fault) return 'connect';
  if ('drop' in fault) return fault.drop;
  return 'data';
}

function rawHeaders(lines: ReadonlyArray<{ key: string; line: string }>): Map<string, string> {
  const map = new Map<string, string>();
  for (const { key, line } of lines) {
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    if (!map.has(key)) map.set(key, value);
  }
  return map;
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((obj) => obj.value.flatMap((a) => (a.address === undefined ? [] : [a.address])));
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const faults: SinkFault[] = [];
  const waiters = new Set<() => void>();
  let connections = 0;

  /** Takes the next fault if it belongs to this phase; a fault for the other phase waits its turn. */
  const takeFault = (phase: 'connect' | 'data'): SinkFault | undefined => {
    const next = faults[0];
    if (next === undefined || faultPhase(next) !== phase) return undefined;
    faults.shift();
    return next;
  };

  const dropConnection = (session: SMTPServerSession): void => {
    for (const connection of server.connections) {
      if (connection.session.id === session.id) connection.close();
    }
  };

  const server: SMTPServer = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    closeTimeout: options.closeTimeoutMs ?? 1_000,
    onConnect(session, callback) {
      connections++;
      const fault = takeFault('connect');
      if (fault !== undefined && 'drop' in fault) dropConnection(session);
      else callback(fault === undefined ? null : smtpError(421, 'service not available, try later'));
    },
    onData(stream, session, callback) {
      const fault = takeFault('data');
      if (fault !== undefined) {
        stream.resume();
        stream.once('end', () => {
          if ('drop' in fault) dropConnection(session);
          else if ('code' in fault) callback(smtpError(fault.code, fault.message));
        });
        return;
      }
      const rcptTo = session.envelope.rcptTo.map((r) => r.address);
      simpleParser(stream).then(
        (mail) => {
          const from = mail.from?.value[0];
          messages.push({
            from: mail.from?.text ?? '',
            fromName: from?.name ?? '',
            fromAddress: from?.address ?? '',
            to: addresses(mail.to),
            rcptTo,
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: mail.html || '',
            messageId: mail.messageId ?? '',
            headers: mail.headers,
            rawHeaders: rawHeaders(mail.headerLines),
          });
          for (const wake of waiters) wake();
          callback(null, 'queued');
        },
        (err: unknown) => callback(smtpError(554, `unparseable message: ${String(err)}`)),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('smtp sink did not bind a TCP port');
  const { port } = address satisfies AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get connections() {
      return connections;
    },
    failNext(...more) {
      faults.push(...more);
    },
    waitFor(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`smtp sink: ${messages.length} of ${count} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
