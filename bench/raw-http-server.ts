// The yardstick of POST /v1/events: a bare Fastify route that puts one ids-only job on a BullMQ
// queue per request. No auth, validation, PostgreSQL or logging: the HTTP + BullMQ floor.
// Usage: node --import tsx bench/raw-http-server.ts <redis-url> <queue-prefix> <port>
import Fastify from 'fastify';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const [redisUrl, prefix, port] = process.argv.slice(2);
if (!redisUrl || !prefix || !port) throw new Error('usage: raw-http-server.ts <redis-url> <queue-prefix> <port>');

const queue = new Queue('events', { connection: new Redis(redisUrl, { maxRetriesPerRequest: 1 }), prefix });
const app = Fastify({ logger: false });
app.post('/v1/events', async (req, reply) => {
  const body = req.body;
  const id = typeof body === 'object' && body !== null && 'id' in body && typeof body.id === 'string' ? body.id : 'unknown';
  await queue.add('expand', { eventId: id }, { jobId: `evt-${id}`, removeOnComplete: true });
  return reply.status(202).send({ eventId: id });
});
app.get('/readyz', async () => ({ ok: true }));
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.on('SIGTERM', () => {
  void app.close().then(() => queue.close()).finally(() => process.exit(0));
});
