import { DateTime } from 'luxon';
import {
  encounterSchema, medicationAdministrationSchema, medicationSchema, medicationUseSchema, patientResourceSchema, referencedId,
  relatedPersonSchema, type FhirMedication, type FhirPatient, type FhirRelatedPerson,
} from './fhir-resources.ts';
import { ehrPatient } from './patient-contact.ts';
import { drugOf, modalityOfTreatment, treatmentOf, type Treatment } from './treatment.ts';

/** An event to accept, or why the resources make none (ignored: nothing to do; unmapped: a problem). */
export type Mapping =
  | { kind: 'event'; event: Record<string, unknown> }
  | { kind: 'ignored' | 'unmapped'; reason: string };

export interface EncounterFacts {
  clinicId: string;
  encounter: unknown;
  patient?: unknown;
  administrations?: unknown[];
  medications?: unknown[];
  relatedPersons?: unknown[];
  smsConsent: boolean;
}

const ignored = (reason: string): Mapping => ({ kind: 'ignored', reason });
const unmapped = (reason: string): Mapping => ({ kind: 'unmapped', reason });

/** An instant with an offset in UTC, or undefined for a date without a time. */
function instant(text: string | undefined): string | undefined {
  if (!text || !/T/.test(text)) return undefined;
  const t = DateTime.fromISO(text, { setZone: true });
  return t.isValid ? t.toUTC().toISO() ?? undefined : undefined;
}

// The event id names the resource and its version, so a replayed notification is the same event.
const versionTag = (r: { meta?: { versionId?: string } | undefined; status: string }) => (r.meta?.versionId ? `v${r.meta.versionId}` : r.status);

function contactFacts(p: FhirPatient | FhirRelatedPerson) {
  const name = p.name.find((n) => n.use === 'usual') ?? p.name.find((n) => n.use === 'official') ?? p.name[0];
  const ranked = [...p.telecom].sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99));
  const mobile = ranked.find((t) => (t.system === 'phone' || t.system === 'sms') && t.use === 'mobile') ?? ranked.find((t) => t.system === 'sms');
  const email = ranked.find((t) => t.system === 'email');
  return { firstName: name?.given[0] ?? name?.text?.split(/\s+/)[0], fullName: name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' '), mobile: mobile?.value, email: email?.value };
}

function treatmentGiven(administrations: unknown[], medications: unknown[]): Treatment | undefined {
  const meds = new Map<string, FhirMedication>();
  for (const m of medications) {
    const parsed = medicationSchema.safeParse(m);
    if (parsed.success) meds.set(parsed.data.id, parsed.data);
  }
  for (const raw of administrations) {
    const a = medicationAdministrationSchema.safeParse(raw);
    if (!a.success || a.data.status === 'entered-in-error' || a.data.status === 'not-done') continue;
    const medId = referencedId(a.data.medicationReference, 'Medication');
    const concept = a.data.medicationCodeableConcept ?? (medId ? meds.get(medId)?.code : undefined);
    const drug = concept ? drugOf(concept.coding, concept.text) : undefined;
    if (!drug) continue;
    const route = a.data.dosage?.route;
    const treatment = treatmentOf(drug, route?.coding ?? [], route?.text);
    if (treatment) return treatment;
  }
  return undefined;
}

/** Encounter finished: session.completed; cancelled or entered in error: plan.cancelled. */
export function mapEncounter(facts: EncounterFacts): Mapping {
  const enc = encounterSchema.safeParse(facts.encounter);
  if (!enc.success) return unmapped(`not an Encounter Aftercare can read: ${enc.error.issues[0]?.message ?? 'invalid'}`);
  const e = enc.data;
  const patientId = referencedId(e.subject, 'Patient');
  if (!patientId) return unmapped(`Encounter/${e.id} has no Patient subject`);
  const id = `fhir-enc-${e.id}-${versionTag(e)}`;
  const sessionId = `enc-${e.id}`;
  if (e.status === 'cancelled' || e.status === 'entered-in-error')
    return { kind: 'event', event: { type: 'plan.cancelled', id, clinicId: facts.clinicId, patientId, reference: sessionId } };
  if (e.status !== 'finished') return ignored(`Encounter/${e.id} is ${e.status}, not finished`);
  const endedAt = instant(e.period?.end);
  if (!endedAt) return unmapped(`Encounter/${e.id} is finished but has no period.end with a time`);
  const p = patientResourceSchema.safeParse(facts.patient);
  if (!p.success) return unmapped(`Patient/${patientId} of Encounter/${e.id} could not be read`);
  const contact = contactFacts(p.data);
  const preferred = p.data.communication.find((c) => c.preferred) ?? p.data.communication[0];
  const language = preferred?.language.coding[0]?.code ?? preferred?.language.text;
  const patient = ehrPatient(p.data.id, { ...contact, language }, facts.smsConsent);
  if ('reason' in patient) return unmapped(patient.reason);
  const escort = (facts.relatedPersons ?? [])
    .map((r) => relatedPersonSchema.safeParse(r))
    .flatMap((r) => (r.success && r.data.active !== false ? [contactFacts(r.data)] : []))
    .find((c) => c.mobile && c.fullName);
  const treatment = treatmentGiven(facts.administrations ?? [], facts.medications ?? []);
  return {
    kind: 'event',
    event: {
      type: 'session.completed', id, clinicId: facts.clinicId, patient,
      ...(escort ? { escort: { name: escort.fullName.slice(0, 80), phone: escort.mobile } } : {}),
      session: { id: sessionId, endedAt, modality: treatment ? modalityOfTreatment[treatment] : 'other', ...(treatment ? { treatment } : {}) },
    },
  };
}

/** A ketamine MedicationStatement or MedicationRequest marked stopped: cessation.started. */
export function mapMedicationStopped(facts: { clinicId: string; resource: unknown; patient?: unknown; medications?: unknown[]; smsConsent: boolean }): Mapping {
  const parsed = medicationUseSchema.safeParse(facts.resource);
  if (!parsed.success) return unmapped('not a MedicationStatement or MedicationRequest Aftercare can read');
  const m = parsed.data;
  const label = `${m.resourceType}/${m.id}`;
  if (m.status !== 'stopped') return ignored(`${label} is ${m.status}, not stopped`);
  const medId = referencedId(m.medicationReference, 'Medication');
  const included = (facts.medications ?? []).map((x) => medicationSchema.safeParse(x)).find((x) => x.success && x.data.id === medId);
  const concept = m.medicationCodeableConcept ?? (included?.success ? included.data.code : undefined);
  if (!concept || !drugOf(concept.coding, concept.text)) return ignored(`${label} is not ketamine or esketamine`);
  const lastUseAt = instant(m.effectivePeriod?.end) ?? instant(m.effectiveDateTime) ?? instant(m.dateAsserted) ?? instant(m.authoredOn) ?? instant(m.meta?.lastUpdated);
  if (!lastUseAt) return unmapped(`${label} says when ketamine stopped with no time`);
  const p = patientResourceSchema.safeParse(facts.patient);
  if (!p.success) return unmapped(`the Patient of ${label} could not be read`);
  const contact = contactFacts(p.data);
  const patient = ehrPatient(p.data.id, { ...contact, language: p.data.communication[0]?.language.coding[0]?.code }, facts.smsConsent);
  if ('reason' in patient) return unmapped(patient.reason);
  const kind = m.resourceType === 'MedicationStatement' ? 'ms' : 'mr';
  return {
    kind: 'event',
    event: { type: 'cessation.started', id: `fhir-${kind}-${m.id}-${versionTag(m)}`, clinicId: facts.clinicId, patient, cessation: { id: `${kind}-${m.id}`, lastUseAt } },
  };
}
