import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';

/**
 * Where a webhook may be sent. A clinic admin chooses the URL, so without a check it could make
 * the workers call this machine or the clinic network's private services (server-side request
 * forgery). Only public unicast addresses are allowed unless WEBHOOK_PRIVATE_NETWORKS=allow.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

/** A host written as an address (or `localhost`) that is not public; names are checked when they are resolved. */
export function isPrivateHostLiteral(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return ipaddr.isValid(host) && !isPublicAddress(host);
}

export class AddressNotAllowed extends Error {
  readonly code = 'address-not-allowed';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The connection pool webhook requests go through: every name is resolved here and refused when
 * it resolves to a private address, so the check holds for the address actually connected to
 * (a name that resolves differently the second time gains nothing).
 */
export function receiverAgent(allowPrivate: boolean): Agent | undefined {
  if (allowPrivate) return undefined;
  const lookup = (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const allowed = addresses.filter((a) => isPublicAddress(a.address));
      if (allowed.length === 0) return callback(new AddressNotAllowed(`${hostname} resolves only to private addresses`), []);
      if (options.all) return callback(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
  return new Agent({ connect: { lookup: lookup as never } });
}
