import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { TargetPolicy } from './target-policy.js';

/** What one attempt came to: acknowledged (2xx) or not, and why not. */
export interface SendOutcome {
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly latencyMs: number;
}

/** Redirects followed per attempt: only 307 and 308, which keep the method and body. */
const MAX_REDIRECTS = 3;

class TargetRefused extends Error {}

/**
 * Connections kept open between deliveries to one endpoint: a new connection per delivery costs
 * more than the request. Each was made through the guarded lookup below, so reusing it reaches
 * only an address that passed the check; they are kept per policy, so a connection one policy
 * allowed is never reused under another.
 */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 8, maxFreeSockets: 8 };
const agentsByPolicy = new WeakMap<TargetPolicy, { readonly http: HttpAgent; readonly https: HttpsAgent }>();

const agentFor = (url: URL, policy: TargetPolicy): HttpAgent => {
  let agents = agentsByPolicy.get(policy);
  if (!agents) {
    agents = { http: new HttpAgent(AGENT_OPTIONS), https: new HttpsAgent(AGENT_OPTIONS) };
    agentsByPolicy.set(policy, agents);
  }
  return url.protocol === 'https:' ? agents.https : agents.http;
};

/**
 * Why `url` may not be a webhook's target, or undefined when it may: a scheme other than http(s),
 * credentials in it, or a host that is (or resolves to) a refused address. Registration asks so
 * the operator hears at once; every attempt checks again on the addresses it connects to.
 */
export async function targetRefusal(url: string, policy: TargetPolicy): Promise<string | undefined> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'the URL must be http or https';
  if (parsed.username !== '' || parsed.password !== '') return 'the URL must not carry credentials';
  const host = hostOf(parsed);
  if (policy.allowsHost(host)) return undefined;
  if (isIP(host) !== 0) return policy.refusal(host);
  const addresses = await new Promise<string[] | Error>((resolve) =>
    dnsLookup(host, { all: true }, (error, found) => resolve(error ?? found.map((a) => a.address))),
  );
  if (addresses instanceof Error) return `${host} could not be resolved (${addresses.message})`;
  const refusal = addresses.map((address) => policy.refusal(address)).find(Boolean);
  return refusal && `${host} resolves to a refused address: ${refusal}`;
}

/**
 * POSTs `body` to `url` once, within `timeoutMs` for the whole exchange (redirects included).
 * Connects only to addresses the policy allows: a host name is resolved by the lookup below,
 * which refuses before any connection is made, so a name that resolves differently at sending
 * than at registration (DNS rebinding) is still caught.
 */
export async function send(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { readonly policy: TargetPolicy; readonly timeoutMs: number },
): Promise<SendOutcome> {
  const started = performance.now();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs);
  const outcome = (ok: boolean, statusCode: number | null, error: string | null): SendOutcome => ({
    ok,
    statusCode,
    error,
    latencyMs: Math.round(performance.now() - started),
  });
  try {
    let target = new URL(url);
    for (let hop = 0; ; hop++) {
      const refusal = isIP(hostOf(target)) !== 0 && !options.policy.allowsHost(hostOf(target)) && options.policy.refusal(hostOf(target));
      if (refusal) return outcome(false, null, `refused: ${refusal}`);
      const { statusCode, location } = await post(target, body, headers, options.policy, abort.signal);
      if (statusCode >= 200 && statusCode < 300) return outcome(true, statusCode, null);
      if ((statusCode === 307 || statusCode === 308) && location && hop < MAX_REDIRECTS) {
        target = new URL(location, target);
        if (target.protocol !== 'http:' && target.protocol !== 'https:')
          return outcome(false, statusCode, 'redirected to a URL that is not http(s)');
        continue;
      }
      return outcome(false, statusCode, `answered HTTP ${statusCode}`);
    }
  } catch (error) {
    if (abort.signal.aborted) return outcome(false, null, `no answer within ${options.timeoutMs} ms`);
    const message = error instanceof TargetRefused ? `refused: ${error.message}` : (error as Error).message;
    return outcome(false, null, message);
  } finally {
    clearTimeout(timer);
  }
}

const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  policy: TargetPolicy,
  signal: AbortSignal,
): Promise<{ statusCode: number; location: string | undefined }> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
        agent: agentFor(url, policy),
        lookup: guardedLookup(policy),
        signal,
      },
      (response) => {
        // The answer's body means nothing to us: drain it so the socket closes.
        response.resume();
        resolve({ statusCode: response.statusCode ?? 0, location: response.headers.location });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** dns.lookup that refuses a host name when any of its addresses is refused (not just the one picked). */
const guardedLookup =
  (policy: TargetPolicy): LookupFunction =>
  (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      const refusal = error || policy.allowsHost(hostname) ? undefined : addresses.map((a) => policy.refusal(a.address)).find(Boolean);
      if (error || refusal) return callback(error ?? new TargetRefused(`${hostname} resolves to a refused address: ${refusal}`), '', 0);
      if (options.all) return (callback as (error: null, all: LookupAddress[]) => void)(null, addresses);
      const [first] = addresses;
      callback(null, first?.address ?? '', first?.family ?? 4);
    });
  };
