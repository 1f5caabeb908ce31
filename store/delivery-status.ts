import type { Sql } from './db.ts';

/** The timeline kind of a provider's delivery report that moved a delivery forward. */
export const deliveryUpdatedKind = 'delivery.updated';

/**
 * How far along each reported status is. Reports only ever move a delivery forward, because
 * providers send them out of order and more than once (Twilio: "status callbacks may arrive out
 * of sequence"). delivered, undelivered and failed are alternative ends: the first one wins.
 * The claim states of store/deliveries.ts rank as the provider's own: `sending` as sending,
 * `retry` (not yet accepted by the provider) below everything.
 */
export const reportedStatuses = ['accepted', 'scheduled', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed'] as const;
export type ReportedStatus = (typeof reportedStatuses)[number];
export const statusRank: Record<ReportedStatus, number> = {
  accepted: 1,
  scheduled: 1,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
};

export interface DeliveryReport {
  /** The provider's id of the message (Twilio's MessageSid). */
  providerId: string;
  status: ReportedStatus;
  /** The provider's error code (Twilio 30003: unreachable handset). */
  errorCode?: string;
}

export interface ReportedDelivery {
  id: string;
  stepId: string;
  channel: string;
  clinicId: string;
  patientId: string;
  template: string;
}

// The rank as SQL, built from the one table above so TypeScript and the database agree.
const rankSql = (expr: string) =>
  `CASE ${expr} ${Object.entries(statusRank).map(([status, rank]) => `WHEN '${status}' THEN ${rank}`).join(' ')} ELSE 0 END`;

/**
 * Records a delivery report: one conditional UPDATE moves the status forward only (a row lock and
 * PostgreSQL's re-check of the WHERE clause make concurrent reports safe), and the same statement
 * adds the timeline entry when it did. Undefined when no delivery has this provider id.
 */
export async function recordDeliveryStatus(
  sql: Sql,
  report: DeliveryReport,
): Promise<{ delivery: ReportedDelivery; changed: boolean } | undefined> {
  const rows = await sql.query<{
    id: string;
    step_id: string;
    channel: string;
    clinic_id: string;
    patient_id: string;
    template: string;
    changed: boolean;
  }>(
    `WITH moved AS (
       UPDATE deliveries SET status = $2::text, error_code = $3::text, updated_at = now()
        WHERE provider_id = $1::text AND ${rankSql('status')} < ${rankSql('$2::text')}
       RETURNING id, step_id, channel
     ), noted AS (
       INSERT INTO timeline (clinic_id, patient_id, kind, step_id, detail)
       SELECT s.clinic_id, s.patient_id, $4::text, m.step_id,
              jsonb_strip_nulls(jsonb_build_object('deliveryId', m.id, 'channel', m.channel, 'status', $2::text,
                                                   'providerId', $1::text, 'errorCode', $3::text))
         FROM moved m JOIN steps s ON s.id = m.step_id
     )
     SELECT d.id, d.step_id, d.channel, s.clinic_id, s.patient_id, s.template, (m.id IS NOT NULL) AS changed
       FROM deliveries d JOIN steps s ON s.id = d.step_id LEFT JOIN moved m ON m.id = d.id
      WHERE d.provider_id = $1::text
      ORDER BY changed DESC, d.id
      LIMIT 1`,
    [report.providerId, report.status, report.errorCode ?? null, deliveryUpdatedKind],
  );
  const [row] = rows;
  if (!row) return undefined;
  return {
    delivery: {
      id: row.id,
      stepId: row.step_id,
      channel: row.channel,
      clinicId: row.clinic_id,
      patientId: row.patient_id,
      template: row.template,
    },
    changed: row.changed,
  };
}
