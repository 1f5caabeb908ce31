import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { resolveClinics } from '../config/clinics.ts';
import type { Env } from '../config/env.ts';
import type { Logger } from '../lib/logger.ts';
import { openService } from './index.ts';

// Seconds instead of hours, and no quiet hours, so a newcomer sees a whole session in a minute.
const demoClinic = {
  id: 'demo-clinic',
  name: 'Riverside Clinic',
  phone: '+15550001111',
  timezone: 'America/Denver',
  apiKeySha256: '0'.repeat(64),
  quietHours: { start: '00:00', end: '00:00' },
  escalation: { contacts: [{ name: 'On-call nurse', phone: '+15550002222' }] },
  plans: {
    session: [
      { key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore', toEscort: true },
      { key: 'light-meal', template: 'light-meal', after: 'PT8S' },
      { key: 'checkin-24h', template: 'checkin-24h', after: 'PT16S', channel: 'both' },
    ],
  },
};

interface OutboxLine {
  channel: string;
  template: string;
  body: string;
  subject?: string;
  sentAt: string;
}

export async function runDemo(env: Env, log: Logger): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-demo-'));
  const service = await openService({
    env: { ...env, DATABASE_URL: undefined, DATA_DIR: dir, OUTBOX_DIR: join(dir, 'outbox'), QUEUE_PREFIX: `{aftercare-demo-${process.pid}}`,
      TWILIO_ACCOUNT_SID: undefined, TWILIO_AUTH_TOKEN: undefined, SMTP_URL: undefined, RECONCILE_EVERY: 'PT5S' },
    role: 'all',
    log,
    clinics: resolveClinics({ clinics: [demoClinic] }, 'demo clinic'),
  });
  const start = DateTime.now();
  const print = (line: string) => process.stdout.write(`${line}\n`);
  print(`Demo: a session ends now at ${demoClinic.name}; its messages follow within about 20 seconds.\n`);
  await service.accept({
    type: 'session.completed', id: `demo-${Date.now()}`, clinicId: demoClinic.id,
    patient: { id: 'p-demo', firstName: 'Sam', phone: '+15551234567', email: 'sam@example.org', channel: 'sms', smsConsent: true, locale: 'en' },
    escort: { name: 'Alex', phone: '+15557654321' },
    session: { id: 's-demo', endedAt: start.toISO() ?? '', modality: 'iv' },
  });
  const seen = new Set<string>();
  const expected = 5; // no-driving to patient and escort, light-meal, check-in by SMS and email
  const deadline = start.plus({ seconds: 60 });
  while (seen.size < expected && DateTime.now() < deadline) {
    for (const channel of ['sms', 'email']) {
      const file = join(dir, 'outbox', `${channel}.jsonl`);
      if (!existsSync(file)) continue;
      for (const raw of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
        if (seen.has(raw)) continue;
        seen.add(raw);
        const m = JSON.parse(raw) as OutboxLine;
        const after = DateTime.fromISO(m.sentAt).diff(start).as('seconds').toFixed(1);
        print(`+${after}s  ${m.channel.toUpperCase()}  ${m.template}${m.subject ? `  "${m.subject}"` : ''}\n    ${m.body.replace(/\n+/g, '\n    ')}\n`);
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  print(seen.size >= expected ? 'Demo complete: every message arrived in order.' : 'Demo timed out before every message arrived.');
  // Leave nothing behind in the developer's Redis.
  await service.workers?.close();
  await Promise.all([service.queues.events, service.queues.steps, service.queues.maintenance].map((q) => q.obliterate({ force: true })));
  await service.close();
  if (seen.size < expected) process.exitCode = 1;
}
