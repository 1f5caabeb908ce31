import { createHash } from 'node:crypto';
import type { Channel } from '../core/care-plan.ts';
import type { Patient } from '../core/events.ts';
import type { Sql } from './db.ts';

export interface PatientRecord {
  clinicId: string;
  id: string;
  firstName: string;
  phone: string | null;
  email: string | null;
  timezone: string | null;
  locale: 'en' | 'es';
  channel: Channel;
  smsConsent: boolean;
  smsOptedOutAt: Date | null;
  emailOptedOut: boolean;
}

/** The contact data of the latest event wins; an opt-out recorded from a STOP reply, and a zone the event leaves out, are kept. */
export async function upsertPatients(sql: Sql, list: Array<{ clinicId: string; patient: Patient }>): Promise<void> {
  // One row per patient (the last in the list): an upsert may touch each row once per statement.
  // In key order, so two batches touching the same patients lock them in the same order.
  const latest = [...new Map(list.map((x) => [`${x.clinicId}\u0000${x.patient.id}`, x])).entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, x]) => x);
  if (latest.length === 0) return;
  const col = <T>(f: (x: { clinicId: string; patient: Patient }) => T) => latest.map(f);
  await sql.query(
    `INSERT INTO patients (clinic_id, id, first_name, phone, email, timezone, locale, channel, sms_consent)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[])
     ON CONFLICT (clinic_id, id) DO UPDATE SET first_name = EXCLUDED.first_name, phone = EXCLUDED.phone, email = EXCLUDED.email,
       timezone = coalesce(EXCLUDED.timezone, patients.timezone), locale = EXCLUDED.locale, channel = EXCLUDED.channel, sms_consent = EXCLUDED.sms_consent, updated_at = now()`,
    [col((x) => x.clinicId), col((x) => x.patient.id), col((x) => x.patient.firstName), col((x) => x.patient.phone ?? null),
      col((x) => x.patient.email ?? null), col((x) => x.patient.timezone ?? null), col((x) => x.patient.locale),
      col((x) => x.patient.channel), col((x) => x.patient.smsConsent)],
  );
}

interface PatientRow {
  clinic_id: string;
  id: string;
  first_name: string;
  phone: string | null;
  email: string | null;
  timezone: string | null;
  locale: 'en' | 'es';
  channel: Channel;
  sms_consent: boolean;
  sms_opted_out_at: Date | null;
  email_opted_out: boolean;
}

export function patientFromRow(r: PatientRow): PatientRecord {
  return {
    clinicId: r.clinic_id,
    id: r.id,
    firstName: r.first_name,
    phone: r.phone,
    email: r.email,
    timezone: r.timezone,
    locale: r.locale,
    channel: r.channel,
    smsConsent: r.sms_consent,
    smsOptedOutAt: r.sms_opted_out_at,
    emailOptedOut: r.email_opted_out,
  };
}

export async function loadPatient(sql: Sql, clinicId: string, id: string): Promise<PatientRecord | undefined> {
  const [row] = await sql.query<PatientRow>('SELECT * FROM patients WHERE clinic_id = $1 AND id = $2', [clinicId, id]);
  return row && patientFromRow(row);
}

/** Records an email opt-out; answers false when the patient is unknown or had already opted out. */
export async function setEmailOptOut(sql: Sql, clinicId: string, patientId: string): Promise<boolean> {
  const rows = await sql.query(
    'UPDATE patients SET email_opted_out = true, updated_at = now() WHERE clinic_id = $1 AND id = $2 AND NOT email_opted_out RETURNING id',
    [clinicId, patientId],
  );
  return rows.length === 1;
}

/**
 * A STOP or START from a phone applies to every patient with that phone at the clinic (a
 * family shares one): opting out also cancels their steps that can only go by SMS (the others
 * switch to email at send time), and the escort notes to that phone. Answers, per patient, how
 * many steps were cancelled and whether they had opted out already.
 */
export async function setSmsOptOut(sql: Sql, clinicId: string, phone: string, optedOut: boolean): Promise<Array<{ patientId: string; cancelledSteps: number; wasOptedOut: boolean }>> {
  const rows = await sql.query<{ id: string; cancelled: number; was: boolean }>(
    `WITH earlier AS (
       SELECT id, sms_opted_out_at IS NOT NULL AS was FROM patients WHERE clinic_id = $1 AND phone = $2
     ), changed AS (
       UPDATE patients SET sms_opted_out_at = CASE WHEN $3 THEN coalesce(sms_opted_out_at, now()) ELSE NULL END
       WHERE clinic_id = $1 AND phone = $2 RETURNING id
     ), cancelled AS (
       UPDATE steps s SET state = 'cancelled', reason = 'patient opted out of SMS', updated_at = now()
       FROM changed WHERE $3 AND s.clinic_id = $1 AND s.patient_id = changed.id AND s.state = 'scheduled'
         AND (s.channel = 'sms' OR s.recipient = 'escort')
       RETURNING s.patient_id
     ), escorted AS (
       UPDATE steps s SET state = 'cancelled', reason = 'the escort opted out of SMS', updated_at = now()
       FROM plans pl WHERE $3 AND pl.clinic_id = $1 AND pl.escort_phone = $2 AND s.plan_id = pl.id
         AND s.recipient = 'escort' AND s.state = 'scheduled'
       RETURNING s.id
     )
     SELECT changed.id, (SELECT count(*)::int FROM cancelled WHERE cancelled.patient_id = changed.id) AS cancelled, earlier.was
     FROM changed JOIN earlier USING (id) ORDER BY changed.id`,
    [clinicId, phone, optedOut],
  );
  return rows.map((r) => ({ patientId: r.id, cancelledSteps: r.cancelled, wasOptedOut: r.was }));
}

/**
 * The stand-in patient record for a number no patient or escort has, at the clinic it texted,
 * so an escalation has someone to be about. Its id is a digest of the number, never the number.
 */
export async function standInForUnknownSender(sql: Sql, clinicId: string, phone: string, locale: 'en' | 'es'): Promise<string> {
  const id = `unknown-${createHash('sha256').update(`${clinicId}\u0000${phone}`).digest('base64url').replace(/[-_]/g, 'x').slice(0, 16)}`;
  await sql.query(
    `INSERT INTO patients (clinic_id, id, first_name, phone, locale, channel, sms_consent, unknown_sender)
     VALUES ($1, $2, 'Unknown sender', $3, $4, 'sms', false, true) ON CONFLICT (clinic_id, id) DO NOTHING`,
    [clinicId, id, phone, locale],
  );
  return id;
}

export interface Sender {
  clinicId: string;
  patientId: string;
  /** The patient themself, the escort of one of their open plans, or a stand-in for an unknown number. */
  sender: 'patient' | 'escort' | 'unknown';
  escortName?: string;
  checkinStepId?: string;
}

/**
 * Whom an inbound SMS from this number is about: a patient with that phone, or the patient of
 * an open plan (not cancelled, session in the last 30 days) with that escort phone. One phone
 * can be several (a family, one patient at two clinics, an escort who is a patient too): the one
 * whose check-in is open wins, then the one we texted last, then the one with the newest plan.
 */
export async function senderByPhone(sql: Sql, phone: string): Promise<Sender | undefined> {
  const [row] = await sql.query<{ clinic_id: string; patient_id: string; sender: 'patient' | 'escort'; unknown_sender: boolean; escort_name: string | null; checkin: string | null }>(
    `WITH candidates AS (
       SELECT pt.clinic_id, pt.id AS patient_id, 'patient' AS sender, pt.unknown_sender, NULL::text AS escort_name, pt.updated_at AS at
       FROM patients pt WHERE pt.phone = $1
       UNION ALL
       (SELECT DISTINCT ON (pl.clinic_id, pl.patient_id) pl.clinic_id, pl.patient_id, 'escort', false, pl.escort_name, pl.created_at
        FROM plans pl WHERE pl.escort_phone = $1 AND pl.cancelled_at IS NULL AND pl.anchor_at > now() - interval '30 days'
        ORDER BY pl.clinic_id, pl.patient_id, pl.created_at DESC)
     )
     SELECT c.clinic_id, c.patient_id, c.sender, c.unknown_sender, c.escort_name, open.id AS checkin FROM candidates c
     LEFT JOIN LATERAL (${openCheckinSql('c.clinic_id', 'c.patient_id')}) open ON c.sender = 'patient'
     LEFT JOIN LATERAL (SELECT max(d.claimed_at) AS at FROM steps s JOIN deliveries d ON d.step_id = s.id
                        WHERE s.clinic_id = c.clinic_id AND s.patient_id = c.patient_id AND s.recipient = c.sender AND d.channel = 'sms') texted ON true
     LEFT JOIN LATERAL (SELECT max(pl.created_at) AS at FROM plans pl
                        WHERE pl.clinic_id = c.clinic_id AND pl.patient_id = c.patient_id AND pl.cancelled_at IS NULL) planned ON true
     ORDER BY open.id IS NOT NULL DESC, c.unknown_sender, texted.at DESC NULLS LAST, planned.at DESC NULLS LAST, c.sender = 'patient' DESC, c.at DESC
     LIMIT 1`,
    [phone],
  );
  if (!row) return undefined;
  return {
    clinicId: row.clinic_id,
    patientId: row.patient_id,
    sender: row.unknown_sender ? 'unknown' : row.sender,
    ...(row.escort_name ? { escortName: row.escort_name } : {}),
    ...(row.checkin ? { checkinStepId: row.checkin } : {}),
  };
}

/**
 * The check-in a score answers, the most recent first: one sent and still waiting for its
 * reply, or one still being recorded as sent whose delivery claim exists (the provider may
 * have taken it, and a patient answers within seconds of receiving it).
 */
function openCheckinSql(clinicId: string, patientId: string): string {
  return `SELECT s.id FROM steps s
     LEFT JOIN LATERAL (SELECT max(d.claimed_at) AS claimed_at FROM deliveries d
                        WHERE d.step_id = s.id AND d.status IN ('sending', 'unknown', 'sent', 'delivered')) d ON true
     WHERE s.clinic_id = ${clinicId} AND s.patient_id = ${patientId} AND s.expects_reply IS NOT NULL AND s.recipient = 'patient'
       AND s.replied_at IS NULL
       AND ((s.state = 'sent' AND s.sent_at > now() - interval '7 days') OR (s.state = 'sending' AND d.claimed_at > now() - interval '7 days'))
     ORDER BY coalesce(s.sent_at, d.claimed_at) DESC LIMIT 1`;
}
