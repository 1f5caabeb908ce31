import type { EscalationKind } from '../core/escalation.ts';
import type { Locale } from '../core/events.ts';

// What a staff call says, by the contact's language. A call names the clinic, the kind of alert,
// why, the patient by id and first initial, and the code; never a name, the reply or a drug.

/** The reasons core/escalation.ts gives, by what they say (their cues are left out of a call). */
export type ReasonKey = 'crisis' | 'crisis-other' | 'symptom' | 'symptom-other' | 'score' | 'review' | 'other';

export interface CallVars {
  clinicName: string;
  kind: EscalationKind;
  reason: ReasonKey;
  /** The check-in score, for `score`. */
  score?: string;
  patientId: string;
  /** The first letter of the patient's first name, when known. */
  initial?: string;
  code: string;
}

export interface CallWording {
  /** Twilio `<Say language>`. */
  language: string;
  kind: Record<EscalationKind, string>;
  reason: Record<ReasonKey, (v: CallVars) => string>;
  patient: (v: CallVars) => string;
  alert: (v: CallVars) => string;
  prompt: string;
  acknowledged: (code: string) => string;
  notAcknowledged: string;
  alreadyHandled: string;
}

const spell = (code: string) => code.split('').join(', ');

const en: CallWording = {
  language: 'en-US',
  kind: { urgent: 'Urgent alert', attention: 'A patient needs attention', review: 'A reply for review', unreachable: 'A patient cannot be reached' },
  reason: {
    crisis: () => 'replied with crisis language',
    'crisis-other': () => 'replied with crisis language about someone else',
    symptom: () => 'reported a serious symptom',
    'symptom-other': () => 'reported a serious symptom of someone else',
    score: (v) => `rated the check-in ${v.score ?? ''} of 5`,
    review: () => 'sent a reply that needs reading',
    other: () => 'needs a call from the clinic',
  },
  patient: (v) => `Patient ${v.patientId}${v.initial ? `, initial ${v.initial}` : ''}`,
  alert: (v) => `This is Aftercare for ${v.clinicName}. ${en.kind[v.kind]}. ${en.patient(v)}, ${en.reason[v.reason](v)}. The code is ${spell(v.code)}.`,
  prompt: 'Press 1 to acknowledge. Press 2 to hear this again.',
  acknowledged: (code) => `Acknowledged, code ${spell(code)}. Thank you. Goodbye.`,
  notAcknowledged: 'Not acknowledged. The alert goes on to the next person. Goodbye.',
  alreadyHandled: 'This alert has already been acknowledged. Goodbye.',
};

const es: CallWording = {
  language: 'es-US',
  kind: { urgent: 'Alerta urgente', attention: 'Un paciente necesita atención', review: 'Una respuesta para revisar', unreachable: 'No se puede contactar a un paciente' },
  reason: {
    crisis: () => 'respondió con lenguaje de crisis',
    'crisis-other': () => 'respondió con lenguaje de crisis sobre otra persona',
    symptom: () => 'informó un síntoma grave',
    'symptom-other': () => 'informó un síntoma grave de otra persona',
    score: (v) => `calificó el seguimiento con ${v.score ?? ''} de 5`,
    review: () => 'envió una respuesta que hay que leer',
    other: () => 'necesita una llamada de la clínica',
  },
  patient: (v) => `Paciente ${v.patientId}${v.initial ? `, inicial ${v.initial}` : ''}`,
  alert: (v) => `Le llama Aftercare de ${v.clinicName}. ${es.kind[v.kind]}. ${es.patient(v)}, ${es.reason[v.reason](v)}. El código es ${spell(v.code)}.`,
  prompt: 'Marque 1 para confirmar. Marque 2 para escucharlo de nuevo.',
  acknowledged: (code) => `Confirmado, código ${spell(code)}. Gracias. Adiós.`,
  notAcknowledged: 'No confirmado. La alerta pasa a la siguiente persona. Adiós.',
  alreadyHandled: 'Esta alerta ya fue confirmada. Adiós.',
};

export const callWording: Record<Locale, CallWording> = { en, es };

/** What a reason says, without its cues (they may name a means or a drug). */
export function reasonKeyOf(reason: string): { reason: ReasonKey; score?: string } {
  const score = /^rated the check-in (\d) of 5/.exec(reason);
  if (score) return { reason: 'score', score: score[1] };
  if (reason.startsWith('replied with crisis language about someone else')) return { reason: 'crisis-other' };
  if (reason.startsWith('replied with crisis language')) return { reason: 'crisis' };
  if (reason.startsWith('reported a serious symptom of someone else')) return { reason: 'symptom-other' };
  if (reason.startsWith('reported a serious symptom')) return { reason: 'symptom' };
  if (reason.startsWith('sent a reply that needs reading')) return { reason: 'review' };
  return { reason: 'other' };
}
