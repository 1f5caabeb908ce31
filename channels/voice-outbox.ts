import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.ts';
import type { VoiceChannel } from './channel.ts';

/** Calls without a Twilio account: one JSON line per call in `<dir>/voice.jsonl`, like the SMS outbox. */
export function createVoiceOutbox(dir: string, log: Logger): VoiceChannel {
  const file = join(dir, 'voice.jsonl');
  return {
    kind: 'voice',
    provider: 'outbox',
    async send(message) {
      await mkdir(dir, { recursive: true });
      const providerId = `outbox-${message.messageId}`;
      await appendFile(file, `${JSON.stringify({ ...message, providerId, sentAt: new Date().toISOString() })}\n`);
      log.info({ messageId: message.messageId, clinicId: message.clinicId, patientId: message.patientId, channel: 'voice' }, 'outbox: call written');
      return { providerId };
    },
    async end() {},
  };
}
