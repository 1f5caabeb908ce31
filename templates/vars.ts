import type { MessageVars } from './template.ts';

/** What a message says of its clinic (a clinic of the clinic file has all of it). */
export interface ClinicVoice {
  name: string;
  phone: string;
  emergency: { phone: string; crisisLine: string };
}

/** The variables every message draws on, from the clinic and the person it speaks to. */
export function messageVars(clinic: ClinicVoice, firstName: string, options: { namesTreatment: boolean; escortName?: string | null }): MessageVars {
  return {
    firstName,
    clinicName: clinic.name,
    clinicPhone: clinic.phone,
    namesTreatment: options.namesTreatment,
    escortName: options.escortName ?? undefined,
    emergencyPhone: clinic.emergency.phone,
    crisisLine: clinic.emergency.crisisLine,
  };
}
