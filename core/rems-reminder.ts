import { DateTime } from 'luxon';

/**
 * SPRAVATO REMS: the healthcare setting submits a Patient Monitoring Form for every treatment
 * session within 7 days of it. The staff reminder names the patient by id only.
 */
export function remsReminderNotice(input: { clinicName: string; patientId: string; sessionEndedAt: string; zone: string }): { subject: string; text: string; dueBy: string } {
  const ended = DateTime.fromISO(input.sessionEndedAt).setZone(input.zone);
  const due = ended.plus({ days: 7 });
  const day = (t: DateTime) => t.toFormat('cccc d LLLL yyyy');
  return {
    subject: `${input.clinicName}: REMS monitoring form due by ${day(due)} (patient ${input.patientId})`,
    text: `An esketamine session for patient ${input.patientId} ended on ${day(ended)} at ${ended.toFormat('HH:mm')}.\n\nThe REMS patient monitoring form for this session is due within 7 days: by ${day(due)}.\n\nThis reminder goes to the clinic's escalation contacts once per session.`,
    dueBy: due.toISODate() ?? '',
  };
}
