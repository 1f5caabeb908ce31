import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.ts';
import type { ChannelAdapter, OutboundMessage, SentReceipt } from './channel.ts';

/**
 * The development transport: one JSON line per message in `<dir>/sms.jsonl` or `<dir>/email.jsonl`.
 * It is a real channel chosen by configuration, used when no provider credentials are set.
 */
export function createOutbox<M extends OutboundMessage>(kind: M['channel'], dir: string, log: Logger): ChannelAdapter<M> {
  const file = join(dir, `${kind}.jsonl`);
  // One handle for the process: opening and closing the file per message cost more than the write.
  // Opened for appending, each line is one write the kernel puts at the end, whoever else writes.
  let handle: Promise<FileHandle> | undefined;
  return {
    kind,
    provider: 'outbox',
    async send(message) {
      handle ??= mkdir(dir, { recursive: true }).then(() => open(file, 'a'));
      const out = await handle;
      const providerId = `outbox-${message.messageId}`;
      const { channel, messageId, clinicId, patientId, template, to, scheduledFor } = message;
      const content = message.channel === 'sms' ? { body: message.body } : { subject: message.subject, body: message.text };
      const line = { messageId, providerId, clinicId, patientId, template, channel, to, ...content, scheduledFor, sentAt: new Date().toISOString() };
      await out.write(`${JSON.stringify(line)}\n`);
      log.info({ messageId, clinicId, patientId, template, channel }, 'outbox: message written');
      return { providerId };
    },
    async findSent(message): Promise<SentReceipt | undefined> {
      const text = await readFile(file, 'utf8').catch(() => '');
      const providerId = `outbox-${message.messageId}`;
      return text.includes(`"providerId":"${providerId}"`) ? { providerId } : undefined;
    },
    async close() {
      const opened = handle;
      handle = undefined;
      await (await opened?.catch(() => undefined))?.close();
    },
  };
}
