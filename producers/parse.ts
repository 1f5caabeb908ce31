import type { z } from 'zod';
import { AftercareError } from '../lib/errors.ts';

export interface FieldError {
  path: string;
  message: string;
}

/** Parses outside input; failures become a 400 listing every bad field by its path. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, message: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: FieldError[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  throw new AftercareError('invalid-input', message, { fields });
}
