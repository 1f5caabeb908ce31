import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetch } from 'undici';
import { isPrivateHostLiteral, isPublicAddress, receiverAgent } from '../../lib/receiver-address.ts';

describe('which receivers a webhook may reach', () => {
  it.each([
    '127.0.0.1', '10.1.2.3', '172.16.0.9', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '::1', '::', 'fc00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '224.0.0.1', 'not-an-address',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2001:4860:4860::8888', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    ['localhost', true], ['LOCALHOST.', true], ['app.localhost', true], ['[::1]', true], ['127.0.0.2', true], ['10.0.0.5', true],
    ['hooks.example.org', false], ['8.8.8.8', false],
  ])('reads the host %s as private before resolving it: %s', (host, expected) => {
    expect(isPrivateHostLiteral(host as string)).toBe(expected);
  });
});

describe('the connection pool of webhook requests', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  async function receiver(): Promise<{ port: number; hits: () => number }> {
    let hits = 0;
    server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, hits: () => hits };
  }

  it('refuses a name that resolves to this machine, and the receiver hears nothing', async () => {
    const r = await receiver();
    const refused = await fetch(`http://localhost:${r.port}/`, { dispatcher: receiverAgent(false) }).then(() => undefined, (err: { cause?: { code?: string } }) => err);
    expect(refused?.cause?.code).toBe('address-not-allowed');
    expect(r.hits()).toBe(0);
  });

  it('lets the same name through when private networks are allowed', async () => {
    const r = await receiver();
    const res = await fetch(`http://localhost:${r.port}/`, { dispatcher: receiverAgent(true) });
    expect(await res.text()).toBe('ok');
    expect(r.hits()).toBe(1);
  });
});
