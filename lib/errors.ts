/** The few named errors the service raises, each with a stable code and the HTTP status it maps to. */
export const errorCatalogue = {
  'invalid-input': 400,
  'unauthenticated': 401,
  'forbidden': 403,
  'not-found': 404,
  'event-id-reused': 409,
  'version-conflict': 412,
  'idempotency-key-in-use': 409,
  'idempotency-key-reused': 422,
  'body-too-large': 413,
  'invalid-config': 422,
  'rate-limited': 429,
  'database-unavailable': 503,
  'redis-unavailable': 503,
  'config-invalid': 500,
  'internal': 500,
} as const;
export type ErrorCode = keyof typeof errorCatalogue;

export class AftercareError extends Error {
  override name = 'AftercareError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = errorCatalogue[code];
  }
}

/** Start-up configuration that cannot run: the message names every problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
