import { UnrecoverableError } from 'bullmq';

/** A job that can never succeed (bad payload, missing record): fails alone, once, with a reason code. */
export class JobFailure extends UnrecoverableError {
  override name = 'JobFailure';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
