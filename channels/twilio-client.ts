import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

/**
 * Every API call goes to `baseUrl` instead of api.twilio.com (the SDK's `httpClient` seam), for a
 * host that speaks Twilio's REST API. Regional/edge hosts (api.dublin.ie1.twilio.com) are swapped too.
 */
class RebasedRequestClient extends twilio.RequestClient {
  readonly #baseUrl: string;
  constructor(baseUrl: string, options: RequestClient.RequestClientOptions) {
    super(options);
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
  }
  override request<TData>(options: RequestClient.RequestOptions<TData>) {
    return super.request({ ...options, uri: options.uri.replace(/^https:\/\/api(\.[a-z0-9-]+)*\.twilio\.com/, this.#baseUrl) });
  }
}

/** The official SDK's client for SMS and calls alike; autoRetry stays off: retries belong to the job queue. */
export function twilioClient(options: { accountSid: string; authToken: string; apiBaseUrl?: string; timeoutMs: number }) {
  const requestOptions = { timeout: options.timeoutMs };
  const httpClient = options.apiBaseUrl === undefined ? new twilio.RequestClient(requestOptions) : new RebasedRequestClient(options.apiBaseUrl, requestOptions);
  return twilio(options.accountSid, options.authToken, { httpClient });
}
