import { MedplumClient, OperationOutcomeError } from '@medplum/core';
import { readSecret, type FhirSettings } from '../config/ehr.ts';
import { FhirReadError, smartTokenSource } from './smart-token.ts';

/** What the intake worker reads from a clinic's FHIR server: plain resources, parsed by core. */
export interface FhirReader {
  read(reference: string): Promise<unknown>;
  /** Every match across Bundle pages, with `_include`d resources. */
  search(resourceType: string, query: Record<string, string>): Promise<unknown[]>;
}

const fetchTimeoutMs = 10_000;

/** A FHIR R4 client (Medplum's) for one clinic's base URL, authorised by SMART Backend Services or a static token. */
export function fhirReader(settings: FhirSettings): FhirReader {
  const smart = settings.auth.method === 'smart-backend-services' ? smartTokenSource(settings.auth) : undefined;
  const tokenFile = settings.auth.method === 'bearer' ? settings.auth.tokenFile : undefined;
  const token = smart ?? (async () => readSecret(tokenFile ?? ''));
  const forget = () => smart?.forget();
  const authorisedFetch = async (url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${await token()}`);
    const res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(fetchTimeoutMs) });
    // A token the EHR revoked early: the next attempt asks for a new one.
    if (res.status === 401) forget();
    return res;
  };
  const client = new MedplumClient({ baseUrl: `${settings.baseUrl}/`, fhirUrlPath: '', fetch: authorisedFetch, cacheTime: 0 });
  const notFound = (err: unknown) => err instanceof OperationOutcomeError && err.outcome.issue?.some((i) => i.code === 'not-found' || i.code === 'deleted');
  return {
    async read(reference) {
      const [type, id] = reference.split('/');
      if (!type || !id) throw new FhirReadError('not-found', `not a reference: ${reference}`);
      try {
        return await client.readResource(type as 'Patient', id);
      } catch (err) {
        if (notFound(err)) throw new FhirReadError('not-found', `${reference} is not on the clinic's FHIR server`);
        throw err;
      }
    },
    async search(resourceType, query) {
      const found: unknown[] = [];
      // Each page holds its matches and their `_include`d resources; `next` links are followed.
      for await (const page of client.searchResourcePages(resourceType as 'Patient', query)) found.push(...page);
      return found;
    },
  };
}
