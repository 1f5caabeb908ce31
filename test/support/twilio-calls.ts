import { randomBytes } from 'node:crypto';
import twilio from 'twilio';

/**
 * The Calls resource of the local Twilio (test/support/twilio-server.ts): a created call rings,
 * is answered (by a person pressing the digits a test chose, or by a machine) or not, fetches its
 * TwiML from `Url` (or plays `Twiml`), "plays" it, posts its `<Gather>` action and its status
 * callbacks, every request signed as Twilio signs them.
 */

export type CallScript =
  /** A person answers after `ringMs` and presses one digit per `<Gather>` (null: silence). */
  | { answer: 'human'; digits?: Array<string | null>; ringMs?: number }
  | { answer: 'machine'; ringMs?: number }
  | { answer: 'no-answer' | 'busy' | 'failed'; ringMs?: number }
  /** Rings until the call is canceled through the API. */
  | { answer: 'ring' };

export interface RecordedCall {
  sid: string;
  to: string;
  from: string;
  url: string | null;
  twiml: string | null;
  statusCallback: string | null;
  statusCallbackEvents: string[];
  machineDetection: string | null;
  status: string;
  receivedAt: Date;
  /** What the call said, in order. */
  spoken: string[];
  /** The digits pressed, in order. */
  pressed: string[];
  /** Every webhook the call posted: its URL and our service's HTTP status. */
  webhooks: Array<{ url: string; status: number; params: Record<string, string> }>;
  /** Status updates asked through the API (`canceled`, `completed`). */
  updates: string[];
  finished: Promise<void>;
}

/** Posts a signed webhook (form fields and X-Twilio-Signature) and returns the answer. */
export type DeliverWebhook = (url: string, params: Record<string, string>, signature: string) => Promise<{ status: number; body: string }>;

export const fetchWebhook: DeliverWebhook = async (url, params, signature) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params) });
  return { status: res.status, body: await res.text() };
};

const rfc2822 = (date: Date) => date.toUTCString().replace('GMT', '+0000');
const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const attributes = (s: string) => Object.fromEntries([...s.matchAll(/([A-Za-z]+)="([^"]*)"/g)].map((m) => [m[1]!, unescape(m[2]!)]));
const verbs = /<(Say|Gather|Redirect|Hangup|Pause)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/g;

export function callResource(accountSid: string, c: RecordedCall) {
  return {
    sid: c.sid, account_sid: accountSid, api_version: '2010-04-01', to: c.to, from: c.from, status: c.status, direction: 'outbound-api',
    date_created: rfc2822(c.receivedAt), date_updated: rfc2822(new Date()), start_time: null, end_time: null, duration: null,
    price: null, price_unit: 'USD', answered_by: null, uri: `/2010-04-01/Accounts/${accountSid}/Calls/${c.sid}.json`, subresource_uris: {},
  };
}

export interface CallPlayer {
  calls: RecordedCall[];
  create(form: URLSearchParams): RecordedCall | { error: { status: number; code: number; message: string } };
  update(call: RecordedCall, status: string | null): void;
  script(choose: (call: RecordedCall) => CallScript | undefined): void;
  deliverWebhooks(deliver: DeliverWebhook): void;
  close(): void;
}

export function callPlayer(accountSid: string, authToken: string): CallPlayer {
  const calls: RecordedCall[] = [];
  let choose: ((call: RecordedCall) => CallScript | undefined) | undefined;
  let deliver: DeliverWebhook = fetchWebhook;
  const hangups = new Map<string, () => void>();
  let closed = false;

  async function play(call: RecordedCall, script: CallScript): Promise<void> {
    let seq = 0;
    const post = async (url: string, extra: Record<string, string>) => {
      const params = { AccountSid: accountSid, ApiVersion: '2010-04-01', CallSid: call.sid, CallStatus: call.status, Direction: 'outbound-api', From: call.from, To: call.to, ...extra };
      const res = await deliver(url, params, twilio.getExpectedTwilioSignature(authToken, url, params));
      call.webhooks.push({ url, status: res.status, params });
      return res;
    };
    const event = async (name: string, status: string, extra: Record<string, string> = {}) => {
      call.status = status;
      if (call.statusCallback && call.statusCallbackEvents.includes(name))
        await post(call.statusCallback, { CallStatus: status, CallbackSource: 'call-progress-events', SequenceNumber: String(seq++), ...extra });
    };
    const canceled = new Promise<'canceled'>((resolve) => hangups.set(call.sid, () => resolve('canceled')));
    const ring = (ms: number) => Promise.race([canceled, new Promise<'rang'>((resolve) => setTimeout(() => resolve('rang'), ms).unref())]);
    if (call.updates.length) return event('completed', 'canceled');
    await event('initiated', 'initiated');
    await event('ringing', 'ringing');
    const rang = script.answer === 'ring' ? await canceled : await ring(script.ringMs ?? 0);
    if (rang === 'canceled' || closed) return event('completed', 'canceled');
    if (script.answer !== 'human' && script.answer !== 'machine') return event('completed', script.answer);
    const answeredBy: Record<string, string> = call.machineDetection ? { AnsweredBy: script.answer === 'machine' ? 'machine_start' : 'human' } : {};
    await event('answered', 'in-progress', answeredBy);
    const digits = script.answer === 'human' ? [...(script.digits ?? [])] : [];
    let hungUp = false;
    void canceled.then(() => { hungUp = true; });
    let next: { url: string; extra: Record<string, string> } | { twiml: string } | undefined = call.url ? { url: call.url, extra: {} } : { twiml: call.twiml ?? '' };
    for (let i = 0; next && i < 20 && !hungUp && !closed; i++) {
      const twiml: string = 'twiml' in next ? next.twiml : (await post(next.url, { ...answeredBy, ...next.extra })).body;
      next = undefined;
      for (const m of twiml.matchAll(verbs)) {
        const [, verb, attrs = '', inner = ''] = m;
        const a = attributes(attrs);
        if (verb === 'Say') call.spoken.push(unescape(inner.trim()));
        if (verb === 'Hangup') break;
        if (verb === 'Redirect') {
          next = { url: unescape(inner.trim()), extra: {} };
          break;
        }
        if (verb === 'Gather') {
          for (const say of inner.matchAll(verbs)) if (say[1] === 'Say') call.spoken.push(unescape((say[3] ?? '').trim()));
          const digit = digits.shift() ?? null;
          if (digit !== null) call.pressed.push(digit);
          if (digit !== null || a.actionOnEmptyResult === 'true') {
            next = { url: a.action ?? call.url ?? '', extra: digit !== null ? { Digits: digit } : {} };
            break;
          }
        }
      }
    }
    await event('completed', 'completed', { CallDuration: '20', ...answeredBy });
  }

  return {
    calls,
    create(form) {
      const to = form.get('To');
      const from = form.get('From');
      if (!to) return { error: { status: 400, code: 21201, message: "No 'To' number is specified" } };
      if (!from) return { error: { status: 400, code: 21213, message: "No 'From' number is specified" } };
      if (!form.get('Url') && !form.get('Twiml')) return { error: { status: 400, code: 21205, message: 'Url or Twiml is required' } };
      let done!: () => void;
      const call: RecordedCall = {
        sid: `CA${randomBytes(16).toString('hex')}`, to, from, url: form.get('Url'), twiml: form.get('Twiml'), statusCallback: form.get('StatusCallback'),
        statusCallbackEvents: form.getAll('StatusCallbackEvent').flatMap((e) => e.split(' ')), machineDetection: form.get('MachineDetection'),
        status: 'queued', receivedAt: new Date(), spoken: [], pressed: [], webhooks: [], updates: [], finished: new Promise<void>((resolve) => { done = resolve; }),
      };
      calls.push(call);
      const script = choose?.(call);
      // Without a script the call stays queued: nothing answers it (as for tests that never look at calls).
      if (script) setImmediate(() => void play(call, script).catch(() => undefined).finally(done));
      else done();
      return call;
    },
    update(call, status) {
      if (status) call.updates.push(status);
      if ((status === 'canceled' || status === 'completed') && ['queued', 'initiated', 'ringing'].includes(call.status)) {
        hangups.get(call.sid)?.();
        if (!hangups.has(call.sid)) call.status = 'canceled';
      } else if (status === 'completed') hangups.get(call.sid)?.();
    },
    script(next) {
      choose = next;
    },
    deliverWebhooks(next) {
      deliver = next;
    },
    close() {
      closed = true;
      for (const hangup of hangups.values()) hangup();
    },
  };
}
