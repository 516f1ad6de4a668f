// One attempt to send a body to a webhook: a POST of JSON that waits at most `timeoutMs` for the
// answer's status. Redirects are not followed (a webhook that moved is a configuration to fix,
// and following one could carry the alert somewhere the admin never named, past the address check).
import http from 'node:http';
import https from 'node:https';

import type { AttemptResult } from './delivery-policy';
import { checkWebhookTarget, type ResolveHost, type WebhookAddressPolicy } from './webhook-address-policy';

/** Anything that looks like a URL (scheme://…, or a host with a path), which a failure text never holds. */
const URL_LIKE = /\b[a-z][a-z0-9+.-]*:\/\/\S*|\b[^\s/:@]+(?::[^\s/@]*)?@\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+\/\S*/gi;

/** A failure text with any URL-looking text replaced, so a webhook's secret path never reaches a log. */
export function withoutUrls(text: string): string {
  return text.replace(URL_LIKE, '(url)');
}

/**
 * The cause of a failed request in words: "connect ECONNREFUSED 127.0.0.1:9", "no answer within
 * 5000 ms". Never the URL: it is shown in the delivery log and the audit log, where the URL is cut
 * short.
 */
function failureText(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; code?: string };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return withoutUrls(err.message || err.code || String(error)).slice(0, 300);
}

/**
 * Posts `body` to the address checked for this send: the host's name is resolved and checked under
 * `policy` (./webhook-address-policy.ts), and the connection goes to that address whatever a second
 * resolution would say (a name re-pointed between the check and the connect, DNS rebinding, cannot
 * move it). TLS still checks the certificate against the URL's host name. A fresh connection per
 * send (no pooled socket to another address); redirects are never followed (node:http does not).
 */
export async function sendWebhook(
  url: string,
  body: unknown,
  timeoutMs: number,
  policy: WebhookAddressPolicy,
  resolve?: ResolveHost,
): Promise<AttemptResult & { durationMs: number }> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  const checked = await checkWebhookTarget(url, policy, resolve);
  if (!checked.ok) {
    if (checked.unresolved) return { statusCode: null, error: checked.error, durationMs: took() };
    return { statusCode: null, error: `refused: ${checked.error}`, final: true, durationMs: took() };
  }
  const { address, family } = checked.target;
  const payload = JSON.stringify(body);
  try {
    const statusCode = await new Promise<number>((resolveStatus, reject) => {
      const target = new URL(url);
      const request = (target.protocol === 'https:' ? https : http).request(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'user-agent': 'sentinel-console-alerts',
        },
        agent: false,
        // Node asks for every address when it may try several (autoSelectFamily): one is given.
        lookup: ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
          if (options.all) callback(null, [{ address, family }]);
          else callback(null, address, family);
        }) as unknown as http.RequestOptions['lookup'],
      });
      const timer = setTimeout(() => {
        const error = new Error(`no answer within ${timeoutMs} ms`);
        error.name = 'TimeoutError';
        request.destroy(error);
      }, timeoutMs);
      request.on('response', (response) => {
        clearTimeout(timer);
        // The answer's body is not needed; read and dropped so the connection ends.
        response.resume();
        resolveStatus(response.statusCode ?? 0);
      });
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.end(payload);
    });
    return { statusCode, error: null, durationMs: took() };
  } catch (error) {
    return { statusCode: null, error: failureText(error, timeoutMs), durationMs: took() };
  }
}
