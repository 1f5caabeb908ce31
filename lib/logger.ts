import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Logs carry ids, never people. Call sites log ids only; these paths are the safety net
 * for anything that slips through (an event body, a message, a request header).
 */
export const redactedPaths = [
  'phone', 'email', 'to', 'from', 'body', 'text', 'html', 'subject', 'firstName', 'name',
  '*.phone', '*.email', '*.to', '*.from', '*.body', '*.text', '*.html', '*.subject', '*.firstName', '*.name',
  'patient', 'escort', '*.patient', '*.escort', 'contacts', '*.contacts',
  'req.headers.authorization', 'req.headers.cookie', 'req.body',
  'To', 'From', 'Body', '*.To', '*.From', '*.Body',
];

export function createLogger(options: { level?: string; name?: string } = {}, destination?: DestinationStream): Logger {
  return pino(
    {
      name: options.name ?? 'aftercare',
      level: options.level ?? 'info',
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: { service: 'aftercare' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
