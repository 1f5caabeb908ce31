import { Redis } from 'ioredis';
import { smtpMessageId } from '../../channels/smtp-email.ts';
import type { Sql } from '../../store/db.ts';
import type { SinkMessage } from './smtp-sink.ts';
import type { RecordedMessage } from './twilio-server.ts';

// The history of a fault run (what the providers received, what PostgreSQL says) and the
// invariants checked over it, Jepsen-style: record everything, judge afterwards.

export const finalStates = ['sent', 'delivered', 'expired', 'cancelled', 'skipped', 'failed'] as const;

export interface StepRow {
  id: string;
  clinic_id: string;
  patient_id: string;
  key: string;
  template: string;
  recipient: string;
  critical: boolean;
  state: string;
  reason: string | null;
  due_at: Date;
  updated_at: Date;
}

export interface DeliveryRow {
  id: string;
  step_id: string;
  channel: string;
  status: string;
  provider_id: string | null;
  error_code: string | null;
}

export interface PatientRow {
  clinic_id: string;
  id: string;
  phone: string | null;
  email: string | null;
  sms_opted_out_at: Date | null;
}

export interface Rows {
  steps: StepRow[];
  deliveries: DeliveryRow[];
  patients: PatientRow[];
}

export async function readRows(db: Sql): Promise<Rows> {
  const [steps, deliveries, patients] = await Promise.all([
    db.query<StepRow>('SELECT id, clinic_id, patient_id, key, template, recipient, critical, state, reason, due_at, updated_at FROM steps ORDER BY id'),
    db.query<DeliveryRow>('SELECT id, step_id, channel, status, provider_id, error_code FROM deliveries ORDER BY id'),
    db.query<PatientRow>('SELECT clinic_id, id, phone, email, sms_opted_out_at FROM patients ORDER BY clinic_id, id'),
  ]);
  return { steps, deliveries, patients };
}

/** Steps not yet in a final state; `dueBefore` leaves out steps legitimately waiting (quiet hours). */
export function openSteps(rows: Rows, dueBefore = new Date()): StepRow[] {
  return rows.steps.filter((s) => !(finalStates as readonly string[]).includes(s.state) && s.due_at <= dueBefore);
}

export interface Ledger {
  /** Provider sends per delivery (step, channel) id. */
  perDelivery: Map<string, number>;
  /** Sends beyond the first for one (step, channel). */
  duplicates: number;
  /** Sends that no delivery row accounts for (neither its id nor a copy of an accounted one). */
  unattributed: number;
}

/**
 * The raw material of at-most-once for SMS: every message Twilio received, attributed to a delivery by its sid,
 * or, for a copy whose sid nobody recorded, by being the same text to the same number.
 */
export function smsLedger(messages: RecordedMessage[], deliveries: DeliveryRow[]): Ledger {
  const bySid = new Map(deliveries.filter((d) => d.channel === 'sms' && d.provider_id).map((d) => [d.provider_id ?? '', d.id]));
  const byText = new Map<string, string>();
  for (const m of messages) {
    const id = bySid.get(m.sid);
    if (id) byText.set(`${m.to}\n${m.body}`, id);
  }
  const perDelivery = new Map<string, number>();
  const orphans = new Map<string, number>();
  for (const m of messages) {
    const text = `${m.to}\n${m.body}`;
    const id = bySid.get(m.sid) ?? byText.get(text);
    if (id) perDelivery.set(id, (perDelivery.get(id) ?? 0) + 1);
    else orphans.set(text, (orphans.get(text) ?? 0) + 1);
  }
  const extra = (counts: Iterable<number>) => [...counts].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  return { perDelivery, duplicates: extra(perDelivery.values()) + extra(orphans.values()), unattributed: [...orphans.values()].reduce((a, b) => a + b, 0) };
}

/** The same for email: the Message-ID is derived from the delivery id. */
export function emailLedger(messages: SinkMessage[], deliveries: DeliveryRow[]): Ledger {
  const byMessageId = new Map(deliveries.filter((d) => d.channel === 'email').map((d) => [smtpMessageId(d.id), d.id]));
  const perDelivery = new Map<string, number>();
  let unattributed = 0;
  for (const m of messages) {
    const id = byMessageId.get(m.messageId);
    if (id) perDelivery.set(id, (perDelivery.get(id) ?? 0) + 1);
    else unattributed++;
  }
  const duplicates = [...perDelivery.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  return { perDelivery, duplicates, unattributed };
}

/**
 * At most once, per step: a delivery recorded as sent was received exactly once; one never sent (failed,
 * retry) was received at most once. Returns human-readable violations.
 */
export function atMostOnceViolations(ledger: Ledger, deliveries: DeliveryRow[], channel: 'sms' | 'email'): string[] {
  const problems: string[] = [];
  for (const d of deliveries.filter((x) => x.channel === channel)) {
    const n = ledger.perDelivery.get(d.id) ?? 0;
    const sent = ['sent', 'delivered', 'undelivered'].includes(d.status);
    if (sent && n !== 1) problems.push(`${d.id}: ${d.status} but received ${n} times`);
    if (!sent && n > 1) problems.push(`${d.id}: ${d.status} and received ${n} times`);
  }
  if (ledger.unattributed) problems.push(`${ledger.unattributed} ${channel} messages no delivery accounts for`);
  return problems;
}

/** At most once the other way round: a step recorded as sent has a delivery that reached its provider. */
export function sentWithoutProvider(rows: Rows, sms: Ledger, email: Ledger): string[] {
  const received = (d: DeliveryRow) => ((d.channel === 'sms' ? sms : email).perDelivery.get(d.id) ?? 0) > 0;
  return rows.steps
    .filter((s) => s.state === 'sent')
    .filter((s) => !rows.deliveries.some((d) => d.step_id === s.id && received(d)))
    .map((s) => `${s.id} (${s.key}) is sent but no provider received it`);
}

/** What must never appear in a log line or in Redis: people's phones, emails, names, message bodies. */
export interface Secrets {
  phones: string[];
  emails: string[];
  /** Names and message bodies (or slices of them), matched as plain substrings. */
  fragments: string[];
}

/** Fragments of a message body worth searching for: the whole, and a slice from its middle. */
export function bodyForms(body: string): string[] {
  const middle = Math.floor(body.length / 2);
  return [body, body.slice(Math.max(0, middle - 15), middle + 15)];
}

/**
 * Every secret found in `texts`. Phones are found as any 10-digit window of a digit run (so
 * "+15551000001" and "5551000001" both count), emails by shape, the rest as substrings.
 */
export function leaks(texts: string[], secrets: Secrets): string[] {
  const national = new Set(secrets.phones.map((p) => p.replace(/\D/g, '').slice(-10)));
  const emails = new Set(secrets.emails.map((e) => e.toLowerCase()));
  const fragments = [...new Set(secrets.fragments.filter((f) => f.length >= 4))];
  const found: string[] = [];
  const show = (what: string, text: string) => found.push(`${JSON.stringify(what)} in ${text.slice(0, 300)}`);
  for (const text of texts) {
    for (const run of text.match(/\d{10,}/g) ?? []) {
      for (let i = 0; i + 10 <= run.length; i++) if (national.has(run.slice(i, i + 10))) show(run, text);
    }
    for (const email of text.match(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+/g) ?? []) if (emails.has(email.toLowerCase())) show(email, text);
    for (const fragment of fragments) if (text.includes(fragment)) show(fragment, text);
  }
  return found;
}

/** Every key and value under a BullMQ prefix, as text (Redis holds ids, never people). */
export async function redisContents(url: string, prefix: string): Promise<string[]> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  const out: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        out.push(key);
        if (type === 'string') out.push((await redis.get(key)) ?? '');
        else if (type === 'hash') out.push(...Object.entries(await redis.hgetall(key)).flat());
        else if (type === 'list') out.push(...(await redis.lrange(key, 0, -1)));
        else if (type === 'set') out.push(...(await redis.smembers(key)));
        else if (type === 'zset') out.push(...(await redis.zrange(key, 0, -1)));
        else if (type === 'stream') out.push(...(await redis.xrange(key, '-', '+')).map((entry) => JSON.stringify(entry)));
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return out;
}

/** One line the README can quote: `FAULT-FIGURES {"scenario":...}`. */
export function printFigures(figures: Record<string, unknown>): void {
  console.log(`FAULT-FIGURES ${JSON.stringify(figures)}`);
}
