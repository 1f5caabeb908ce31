import { describe, expect, it } from 'vitest';
import type { EscalationKind } from '../../core/escalation.ts';
import { callWording, reasonKeyOf } from '../../templates/voice.ts';

// What a staff call says: the kind and why, never the cues (they may name a means or a drug).

const kinds: EscalationKind[] = ['urgent', 'attention', 'review', 'unreachable'];

describe('the words of a staff call', () => {
  it.each([
    ['replied with crisis language (means: pills; intent)', 'crisis'],
    ['replied with crisis language about someone else (reported by the sender; breathing: not breathing)', 'crisis-other'],
    ['reported a serious symptom (chest pain)', 'symptom'],
    ['reported a serious symptom of someone else (reported by the sender; fainted)', 'symptom-other'],
    ['sent a reply that needs reading', 'review'],
    ['could not be reached by SMS or email', 'other'],
  ])('reads "%s" as %s', (reason, key) => {
    expect(reasonKeyOf(reason).reason).toBe(key);
  });

  it('keeps the score of a check-in', () => {
    expect(reasonKeyOf('rated the check-in 2 of 5')).toEqual({ reason: 'score', score: '2' });
  });

  it.each(['en', 'es'] as const)('says every kind and reason in %s with the patient id, initial and spelled code, and nothing of the cues', (locale) => {
    const words = callWording[locale];
    for (const kind of kinds) {
      for (const reason of ['replied with crisis language (means: ketamine, pills)', 'rated the check-in 1 of 5', 'something else']) {
        const said = words.alert({ clinicName: 'Riverside Clinic', kind, ...reasonKeyOf(reason), patientId: 'p-123', initial: 'S', code: 'ACD347' });
        expect(said).toContain('Riverside Clinic');
        expect(said).toContain('p-123');
        expect(said).toContain('A, C, D, 3, 4, 7');
        expect(said).not.toMatch(/undefined|ketamine|pills/);
      }
    }
  });
});
