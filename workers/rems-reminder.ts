import type { Channels } from '../channels/index.ts';
import type { Clinics } from '../config/clinics.ts';
import { emailHtml } from '../core/render.ts';
import { remsReminderNotice } from '../core/rems-reminder.ts';
import type { Logger } from '../lib/logger.ts';
import type { Db } from '../store/db.ts';
import { claimRemsReminder, loadRemsSession, markRemsReminderSent, releaseRemsReminder } from '../store/rems-reminders.ts';

export interface RemsDeps {
  db: Db;
  clinics: Clinics;
  channels: Channels;
  log: Logger;
}

/**
 * Emails the clinic's escalation contacts that the REMS monitoring form of an esketamine session
 * is due within 7 days. Claimed once per plan (`rems_reminders` keeps when it was sent); a failed
 * send releases the claim and retries.
 */
export async function sendRemsReminder(deps: RemsDeps, planId: string): Promise<string> {
  const session = await loadRemsSession(deps.db, planId);
  const clinic = session ? deps.clinics.get(session.clinicId) : undefined;
  if (!session || !clinic) return 'missing';
  const contacts = clinic.escalation.contacts.filter((c) => c.email);
  if (contacts.length === 0 || !(await claimRemsReminder(deps.db, planId, clinic.id))) return 'skipped';
  const notice = remsReminderNotice({ clinicName: clinic.name, patientId: session.patientId, sessionEndedAt: session.anchorAt.toISOString(), zone: session.zone });
  try {
    for (const [i, contact] of contacts.entries()) {
      await deps.channels.email.send({
        channel: 'email', messageId: `${planId}-rems-${i}`, clinicId: clinic.id, patientId: session.patientId, template: 'rems-reminder',
        to: contact.email!, fromName: `Aftercare for ${clinic.name}`, subject: notice.subject, text: notice.text, html: emailHtml(notice.subject, notice.text),
        scheduledFor: new Date().toISOString(),
      });
    }
  } catch (err) {
    await releaseRemsReminder(deps.db, planId);
    throw err;
  }
  await markRemsReminderSent(deps.db, planId);
  deps.log.info({ clinicId: clinic.id, planId, contacts: contacts.length, dueBy: notice.dueBy }, 'rems reminder sent');
  return 'sent';
}
