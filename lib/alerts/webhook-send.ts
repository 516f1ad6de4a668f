// One attempt to send a body to a webhook: a POST of JSON that waits at most `timeoutMs` for the
// answer's status. Redirects are not followed (a webhook that moved is a configuration to fix,
// and following one could carry the alert somewhere the admin never named).
import type { AttemptResult } from './delivery-policy';

/** Anything that looks like a URL (scheme://…, or a host with a path), which a failure text never holds. */
const URL_LIKE = /\b[a-z][a-z0-9+.-]*:\/\/\S*|\b[^\s/:@]+(?::[^\s/@]*)?@\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+\/\S*/gi;

/** A failure text with any URL-looking text replaced, so a webhook's secret path never reaches a log. */
export function withoutUrls(text: string): string {
  return text.replace(URL_LIKE, '(url)');
}

/**
 * The cause of a failed fetch in words: "fetch failed: connect ECONNREFUSED 127.0.0.1:9", "no answer
 * within 5000 ms". Never the URL: it is shown in the delivery log and the audit log, where the URL is
 * cut short (fetch's own messages, such as for a URL with credentials, quote the whole URL).
 */
function failureText(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = err.cause?.message ?? err.cause?.code;
  const text = cause ? `${err.message ?? 'fetch failed'}: ${cause}` : (err.message ?? String(error));
  return withoutUrls(text).slice(0, 300);
}

export async function sendWebhook(
  url: string,
  body: unknown,
  timeoutMs: number,
): Promise<AttemptResult & { durationMs: number }> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'sentinel-console-alerts' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The answer's body is not needed; dropped so the connection is freed.
    await response.body?.cancel().catch(() => {});
    return { statusCode: response.status, error: null, durationMs: took() };
  } catch (error) {
    return { statusCode: null, error: failureText(error, timeoutMs), durationMs: took() };
  }
}
