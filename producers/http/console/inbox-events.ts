import type { ServerResponse } from 'node:http';
import type { Logger } from '../../../lib/logger.ts';
import type { Sql } from '../../../store/db.ts';
import { inboxList, loadInbox } from './inbox.ts';
import { can } from './roles.ts';
import type { SignedInStaff } from './staff-session.ts';

interface Listener {
  res: ServerResponse;
  who: SignedInStaff;
  csrfToken: string;
  lastSent?: string;
}

export interface InboxEvents {
  /** Streams `inbox` events to this response until the client goes away or the server closes. */
  follow(res: ServerResponse, who: SignedInStaff, csrfToken: string): void;
  close(): void;
  readonly listeners: number;
}

/**
 * One SSE frame. Multi-line data is one field per line; a stream ends a line at CR, LF or CRLF
 * (WHATWG HTML §9.2.5), so every one of them starts a new `data:` field, or a patient's reply
 * holding a bare CR could end the field and write an event of its own. The browser joins the
 * fields with LF.
 */
const sseFrame = (name: string, data: string) =>
  `event: ${name}\n${data.split(/\r\n|\r|\n/).map((l) => `data: ${l}`).join('\n')}\n\n`;

/**
 * One shared poller for every connected inbox: once a second it reads each watched clinic's open
 * escalations once, and sends a listener the list only when its markup changed. The database is
 * the source of truth, so an escalation raised by any worker or acknowledged by any API process shows.
 */
export function inboxEvents(deps: { db: Sql; log: Logger; now: () => Date; everyMs?: number; keepAliveMs?: number }): InboxEvents {
  const everyMs = deps.everyMs ?? 1000;
  const keepAliveEvery = Math.max(1, Math.round((deps.keepAliveMs ?? 15_000) / everyMs));
  const listeners = new Set<Listener>();
  let timer: NodeJS.Timeout | undefined;
  let ticks = 0;
  let closed = false;

  const schedule = () => {
    if (closed || timer || listeners.size === 0) return;
    timer = setTimeout(() => void tick(), everyMs);
    timer.unref();
  };

  const drop = (l: Listener) => {
    listeners.delete(l);
    if (!l.res.writableEnded) l.res.end();
  };

  async function tick() {
    timer = undefined;
    ticks++;
    const now = deps.now();
    const clinics = new Map<string, Listener[]>();
    for (const l of listeners) {
      // A session that ran out while the page stayed open is told so, and the page goes to sign-in.
      if (l.who.expiresAt <= now) {
        l.res.write(sseFrame('signed-out', 'session expired'));
        drop(l);
        continue;
      }
      clinics.set(l.who.clinic.id, [...(clinics.get(l.who.clinic.id) ?? []), l]);
    }
    for (const [clinicId, watching] of clinics) {
      try {
        const items = await loadInbox(deps.db, clinicId);
        for (const l of watching) {
          if (l.res.writableEnded) continue;
          const markup = inboxList(items, l.who.clinic, can(l.who.staff.role, 'escalation.acknowledge') ? l.csrfToken : undefined, now).value;
          if (markup !== l.lastSent) {
            l.res.write(sseFrame('inbox', markup));
            l.lastSent = markup;
          } else if (ticks % keepAliveEvery === 0) {
            l.res.write(': still here\n\n'); // proxies close silent connections
          }
        }
      } catch (err) {
        // The database may be away for a moment; the next tick tries again and the page keeps its last list.
        deps.log.warn({ clinicId, err: (err as Error).message }, 'console inbox poll failed');
      }
    }
    schedule();
  }

  return {
    follow(res, who, csrfToken) {
      if (closed) return void res.end();
      const l: Listener = { res, who, csrfToken };
      listeners.add(l);
      res.on('close', () => listeners.delete(l));
      res.write('retry: 2000\n\n');
      schedule();
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const l of [...listeners]) drop(l);
    },
    get listeners() {
      return listeners.size;
    },
  };
}
