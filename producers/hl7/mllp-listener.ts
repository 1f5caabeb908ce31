import { createServer, type Server } from 'node:net';
import { Hl7Connection, type Hl7ErrorEvent, type Hl7MessageEvent } from '@medplum/hl7';
import { receiveHl7, type Hl7Deps } from './receive-hl7.ts';

export interface MllpListener {
  port: number;
  close(): Promise<void>;
}

/**
 * HL7v2 over MLLP (a TCP stream of <VT> message <FS><CR> frames): each message is answered with
 * its ACK on the same connection. The sending facility (MSH-4) says which clinic it is from;
 * bind it to a private interface (or behind the interface engine's VPN): MLLP has no authentication.
 */
export async function startMllpListener(deps: Hl7Deps, options: { port: number; host: string }): Promise<MllpListener> {
  const log = deps.log.child({ component: 'mllp' });
  const connections = new Set<Hl7Connection>();
  const server: Server = createServer((socket) => {
    const connection = new Hl7Connection(socket);
    connections.add(connection);
    connection.addEventListener('close', () => connections.delete(connection));
    connection.addEventListener('error', (e: Hl7ErrorEvent) => log.warn({ err: e.error.message }, 'mllp connection error'));
    connection.addEventListener('message', (e: Hl7MessageEvent) => {
      receiveHl7(deps, e.message.toString())
        .then((answer) => connection.send(answer.ack))
        .catch((err: Error) => log.error({ err: err.message }, 'hl7 message not answered'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  log.info({ port, host: options.host }, 'mllp listener started');
  return {
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...connections].map((c) => c.close().catch(() => undefined)));
      await closed;
    },
  };
}
