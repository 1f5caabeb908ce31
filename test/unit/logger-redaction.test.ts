import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../lib/logger.ts';

/** A logger writing into memory; pino writes synchronously, so `lines` is complete after each call. */
function capture(options: { level: string; name?: string } = { level: 'info' }): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger(options, stream), lines };
}

const secrets = {
  phone: '+15551234567',
  email: 'sam@example.org',
  firstName: 'Samantha',
  name: 'Alexander Escort',
  body: 'Feeling awful, 1 out of 5',
  text: 'Reminder text for Samantha',
  subject: 'Your check-in, Samantha',
  authorization: 'Bearer sk-live-clinic-key-0001',
};
const ids = { clinicId: 'clinic-a', patientId: 'p-123', stepId: 'plan-abc-checkin-24h' };

const person = { id: ids.patientId, firstName: secrets.firstName, phone: secrets.phone, email: secrets.email };

const cases: Array<{ case: string; entry: Record<string, unknown> }> = [
  { case: 'top-level phone', entry: { phone: secrets.phone } },
  { case: 'top-level email', entry: { email: secrets.email } },
  { case: 'top-level firstName', entry: { firstName: secrets.firstName } },
  { case: 'top-level name', entry: { name: secrets.name } },
  { case: 'a message to', entry: { to: secrets.phone } },
  { case: 'a message body', entry: { body: secrets.body } },
  { case: 'a message text', entry: { text: secrets.text } },
  { case: 'a message subject', entry: { subject: secrets.subject } },
  { case: 'a patient object', entry: { patient: person } },
  { case: 'an escort object', entry: { escort: { name: secrets.name, phone: secrets.phone } } },
  { case: 'a message object', entry: { message: { to: secrets.email, subject: secrets.subject, text: secrets.text, html: `<p>${secrets.text}</p>` } } },
  { case: 'a patient nested in an event', entry: { event: { type: 'session.completed', patient: person } } },
  { case: 'a nested patient phone', entry: { patient: { phone: secrets.phone } } },
  { case: 'Twilio webhook fields', entry: { To: secrets.phone, From: secrets.phone, Body: secrets.body } },
  { case: 'a Twilio webhook under params', entry: { params: { From: secrets.phone, Body: secrets.body } } },
  { case: 'escalation contacts', entry: { contacts: [{ name: secrets.name, phone: secrets.phone, email: secrets.email }] } },
  { case: 'an authorization header', entry: { req: { method: 'POST', url: '/v1/events', headers: { authorization: secrets.authorization } } } },
  { case: 'a request body', entry: { req: { method: 'POST', url: '/v1/events', body: { patient: person } } } },
];

function leaks(lines: string[]): string[] {
  return Object.values(secrets).filter((secret) => lines.some((line) => line.includes(secret)));
}

describe('createLogger redaction', () => {
  it.each(cases)('keeps people out of the log: $case', ({ entry }) => {
    const { log, lines } = capture();
    log.info({ ...ids, ...entry }, 'step sent');
    expect(lines).toHaveLength(1);
    expect(leaks(lines)).toEqual([]);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ ...ids, msg: 'step sent', level: 30 });
  });

  it('keeps people out of a child logger bound to ids', () => {
    const { log, lines } = capture();
    log.child({ clinicId: ids.clinicId, patientId: ids.patientId }).warn({ stepId: ids.stepId, patient: person, to: secrets.phone }, 'send failed');
    expect(leaks(lines)).toEqual([]);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ ...ids, msg: 'send failed' });
  });

  it('marks what it removed, so a reader knows a field was there', () => {
    const { log, lines } = capture();
    log.info({ ...ids, phone: secrets.phone, patient: person }, 'accepted');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ phone: '[redacted]', patient: '[redacted]' });
  });

  it('names the component it was given under `component`, since a top-level `name` is redacted as a person', () => {
    const { log, lines } = capture({ level: 'info', name: 'worker' });
    log.info({ ...ids }, 'started');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ component: 'worker', service: 'aftercare' });
  });

  it.each([
    { case: 'a job with a patient in its data', entry: { job: { id: 'j-1', data: { patient: person } } } },
    { case: 'a list of messages', entry: { messages: [{ to: secrets.phone, body: secrets.body }] } },
  ])('keeps people out of the log two levels down: $case', ({ entry }) => {
    const { log, lines } = capture();
    log.info({ ...ids, ...entry }, 'job failed');
    expect(leaks(lines)).toEqual([]);
  });

  it('writes nothing below the configured level', () => {
    const { log, lines } = capture();
    log.debug({ ...ids }, 'not written');
    expect(lines).toEqual([]);
  });
});
