import { z } from 'zod';

// The few fields of FHIR R4 resources that Aftercare reads, parsed as outside data. Loose objects:
// every other element of a real resource is allowed and ignored.
const coding = z.looseObject({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() });
export const codeableConceptSchema = z.looseObject({ coding: z.array(coding).default([]), text: z.string().optional() });
const reference = z.looseObject({ reference: z.string().optional() });
const humanName = z.looseObject({ use: z.string().optional(), text: z.string().optional(), given: z.array(z.string()).default([]), family: z.string().optional() });
const contactPoint = z.looseObject({ system: z.string().optional(), value: z.string().optional(), use: z.string().optional(), rank: z.number().optional() });
const meta = z.looseObject({ versionId: z.string().optional(), lastUpdated: z.string().optional() }).optional();
const fhirId = z.string().regex(/^[A-Za-z0-9.-]{1,64}$/, 'expected a FHIR id');

export const encounterSchema = z.looseObject({
  resourceType: z.literal('Encounter'),
  id: fhirId,
  meta,
  status: z.string(),
  subject: reference.optional(),
  period: z.looseObject({ start: z.string().optional(), end: z.string().optional() }).optional(),
});
export type FhirEncounter = z.infer<typeof encounterSchema>;

export const patientResourceSchema = z.looseObject({
  resourceType: z.literal('Patient'),
  id: fhirId,
  name: z.array(humanName).default([]),
  telecom: z.array(contactPoint).default([]),
  communication: z.array(z.looseObject({ language: codeableConceptSchema, preferred: z.boolean().optional() })).default([]),
});
export type FhirPatient = z.infer<typeof patientResourceSchema>;

export const relatedPersonSchema = z.looseObject({
  resourceType: z.literal('RelatedPerson'),
  id: fhirId,
  active: z.boolean().optional(),
  name: z.array(humanName).default([]),
  telecom: z.array(contactPoint).default([]),
});
export type FhirRelatedPerson = z.infer<typeof relatedPersonSchema>;

export const medicationAdministrationSchema = z.looseObject({
  resourceType: z.literal('MedicationAdministration'),
  id: fhirId,
  status: z.string(),
  medicationCodeableConcept: codeableConceptSchema.optional(),
  medicationReference: reference.optional(),
  dosage: z.looseObject({ route: codeableConceptSchema.optional() }).optional(),
});
export type FhirMedicationAdministration = z.infer<typeof medicationAdministrationSchema>;

export const medicationSchema = z.looseObject({ resourceType: z.literal('Medication'), id: fhirId, code: codeableConceptSchema.optional() });
export type FhirMedication = z.infer<typeof medicationSchema>;

/** MedicationStatement or MedicationRequest: the "stopped" that starts a cessation plan. */
export const medicationUseSchema = z.looseObject({
  resourceType: z.enum(['MedicationStatement', 'MedicationRequest']),
  id: fhirId,
  meta,
  status: z.string(),
  subject: reference.optional(),
  medicationCodeableConcept: codeableConceptSchema.optional(),
  medicationReference: reference.optional(),
  effectiveDateTime: z.string().optional(),
  effectivePeriod: z.looseObject({ end: z.string().optional() }).optional(),
  dateAsserted: z.string().optional(),
  authoredOn: z.string().optional(),
});
export type FhirMedicationUse = z.infer<typeof medicationUseSchema>;

/** `Patient/abc` or a full URL ending so: the id of a reference to that resource type. */
export function referencedId(ref: { reference?: string } | undefined, type: string): string | undefined {
  const m = new RegExp(`(?:^|/)${type}/([A-Za-z0-9.-]{1,64})(?:/_history/[^/]+)?$`).exec(ref?.reference ?? '');
  return m?.[1];
}
