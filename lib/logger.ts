import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Logs carry ids, never people. Call sites log ids only; these paths are the safety net
 * for anything that slips through (an event body, a message, a request header).
 */
const personalFields = ['phone', 'email', 'to', 'from', 'body', 'text', 'html', 'subject', 'firstName', 'name',
  'patient', 'escort', 'contacts', 'To', 'From', 'Body'];
// pino's '*' spans one level; cover three so nested job data and arrays of messages are caught too.
// A top-level `name` would be a person's too, so the logger names itself under `component`.
export const redactedPaths = [
  ...personalFields,
  ...personalFields.map((f) => `*.${f}`),
  ...personalFields.map((f) => `*.*.${f}`),
  ...personalFields.map((f) => `*.*.*.${f}`),
  'req.headers.authorization', 'req.headers.cookie', 'req.body',
];

export function createLogger(options: { level: string; name?: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: { service: 'aftercare', ...(options.name ? { component: options.name } : {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
