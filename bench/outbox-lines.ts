import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const lineSchema = z.looseObject({ messageId: z.string(), scheduledFor: z.string(), sentAt: z.string() });

export interface SentLine {
  messageId: string;
  scheduledFor: number;
  sentAt: number;
}

/** The SMS outbox of one process: what was sent, when it was due and when it went out (ms since epoch). */
export function readSmsOutbox(outboxDir: string): SentLine[] {
  const file = join(outboxDir, 'sms.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((text) => {
    const line = lineSchema.parse(JSON.parse(text));
    return { messageId: line.messageId, scheduledFor: Date.parse(line.scheduledFor), sentAt: Date.parse(line.sentAt) };
  });
}

/** Lines in the SMS outbox without parsing them (cheap enough to poll). */
export function countSmsOutbox(outboxDir: string): number {
  const file = join(outboxDir, 'sms.jsonl');
  if (!existsSync(file)) return 0;
  const text = readFileSync(file);
  let n = 0;
  for (const byte of text) if (byte === 10) n++;
  return n;
}
