import { z } from 'zod';
import type { CarePlanStepInput } from './care-plan.ts';

/** The drug and route given at a session; a clinic may give each its own plan. */
export const treatmentSchema = z.enum(['ketamine-iv', 'ketamine-im', 'ketamine-oral', 'esketamine-nasal']);
export type Treatment = z.infer<typeof treatmentSchema>;
export type Modality = 'iv' | 'im' | 'intranasal' | 'oral' | 'other';

export const modalityOfTreatment: Record<Treatment, Modality> = {
  'ketamine-iv': 'iv',
  'ketamine-im': 'im',
  'ketamine-oral': 'oral',
  'esketamine-nasal': 'intranasal',
};

// RxNorm concepts (NLM RxNav): 6130 ketamine (IN); 2119365 esketamine (IN); 2201623
// "esketamine Nasal Spray" (SCDF); 2201625 "esketamine Nasal Spray [Spravato]" (SBDF).
const rxnormKetamine = new Set(['6130']);
const rxnormEsketamine = new Set(['2119365', '2201623', '2201625']);
export const rxnormSystem = 'http://www.nlm.nih.gov/research/umls/rxnorm';

// SNOMED CT routes of administration (FHIR's route value set).
const snomedRoutes: Record<string, 'iv' | 'im' | 'oral' | 'nasal'> = {
  '47625008': 'iv', '78421000': 'im', '26643006': 'oral', '46713006': 'nasal',
};

export interface MedicationCoding {
  system?: string;
  code?: string;
  display?: string;
}

/** Which drug a set of codings names: RxNorm codes first, then the words of the display. */
export function drugOf(codings: MedicationCoding[], text?: string): 'ketamine' | 'esketamine' | undefined {
  for (const c of codings) {
    if (c.system !== rxnormSystem || !c.code) continue;
    if (rxnormEsketamine.has(c.code)) return 'esketamine';
    if (rxnormKetamine.has(c.code)) return 'ketamine';
  }
  const words = [text, ...codings.map((c) => c.display)].filter(Boolean).join(' ').toLowerCase();
  if (/esketamine|spravato/.test(words)) return 'esketamine';
  if (/ketamine|ketalar/.test(words)) return 'ketamine';
  return undefined;
}

/** The treatment of a ketamine or esketamine administration, from its drug and route. */
export function treatmentOf(drug: 'ketamine' | 'esketamine', routeCodings: MedicationCoding[], routeText?: string): Treatment | undefined {
  if (drug === 'esketamine') return 'esketamine-nasal';
  const coded = routeCodings.map((c) => (c.code ? snomedRoutes[c.code] : undefined)).find(Boolean);
  const words = [routeText, ...routeCodings.map((c) => c.display)].filter(Boolean).join(' ').toLowerCase();
  const route = coded ?? (/intravenous|\biv\b/.test(words) ? 'iv' : /intramuscular|\bim\b/.test(words) ? 'im' : /oral|mouth/.test(words) ? 'oral' : undefined);
  if (route === 'iv') return 'ketamine-iv';
  if (route === 'im') return 'ketamine-im';
  if (route === 'oral') return 'ketamine-oral';
  return undefined;
}

/**
 * Esketamine (Spravato) label: patients must not drive or operate machinery until the next day
 * after a restful sleep; the check-ins are the session plan's.
 */
export const defaultTreatmentPlans: Partial<Record<Treatment, CarePlanStepInput[]>> = {
  'esketamine-nasal': [
    { key: 'no-driving', template: 'no-driving-esketamine', after: 'PT0S', quietHours: 'ignore', toEscort: true, grace: 'PT4H' },
    { key: 'light-meal', template: 'light-meal', after: 'PT2H' },
    { key: 'checkin-24h', template: 'checkin-24h', after: 'PT24H', grace: 'PT6H',
      expectsReply: { within: 'PT6H', remindOnce: true } },
  ],
};
