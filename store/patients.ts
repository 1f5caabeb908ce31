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
  channel: 'sms' | 'email';
  smsConsent: boolean;
  smsOptedOutAt: Date | null;
}

/** The contact data of the latest event wins; an opt-out recorded from a STOP reply is kept. */
export async function upsertPatient(sql: Sql, clinicId: string, p: Patient): Promise<void> {
  await sql.query(
    `INSERT INTO patients (clinic_id, id, first_name, phone, email, timezone, locale, channel, sms_consent)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (clinic_id, id) DO UPDATE SET first_name = $3, phone = $4, email = $5, timezone = $6,
       locale = $7, channel = $8, sms_consent = $9, updated_at = now()`,
    [clinicId, p.id, p.firstName, p.phone ?? null, p.email ?? null, p.timezone ?? null, p.locale, p.channel, p.smsConsent],
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
  channel: 'sms' | 'email';
  sms_consent: boolean;
  sms_opted_out_at: Date | null;
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
  };
}

export async function loadPatient(sql: Sql, clinicId: string, id: string): Promise<PatientRecord | undefined> {
  const [row] = await sql.query<PatientRow>('SELECT * FROM patients WHERE clinic_id = $1 AND id = $2', [clinicId, id]);
  return row && patientFromRow(row);
}
