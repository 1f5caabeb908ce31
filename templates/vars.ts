import type { Clinic } from '../config/clinics.ts';
import type { MessageVars } from './template.ts';

/** The variables every message draws on, from the clinic and the person it speaks to. */
export function messageVars(clinic: Clinic, firstName: string, options: { namesTreatment: boolean; escortName?: string | null }): MessageVars {
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
