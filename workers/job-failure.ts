import { UnrecoverableError } from 'bullmq';

/** Why a job can never succeed. The reconciler revives any failed job whose reason is not one of these. */
export const jobFailureCodes = [
  'job-malformed', 'event-invalid', 'event-missing', 'step-missing', 'clinic-unknown', 'patient-missing',
  'template-unknown', 'escalation-missing', 'no-contacts',
] as const;
export type JobFailureCode = (typeof jobFailureCodes)[number];

/** A job that can never succeed (bad payload, missing record): fails alone, once, with a reason code. */
export class JobFailure extends UnrecoverableError {
  override name = 'JobFailure';
  constructor(
    readonly code: JobFailureCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Whether a failed job's recorded reason came from a JobFailure (BullMQ keeps only the message). */
export function isJobFailureReason(failedReason: string | undefined): boolean {
  const code = failedReason?.split(':', 1)[0];
  return jobFailureCodes.some((c) => c === code);
}
