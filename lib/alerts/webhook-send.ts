// One attempt to send a body to a webhook: a POST of JSON that waits at most `timeoutMs` for the
// answer's status. Redirects are not followed (a webhook that moved is a configuration to fix,
// and following one could carry the alert somewhere the admin never named).
import type { AttemptResult } from './delivery-policy';

/** The cause of a failed fetch in words: "connect ECONNREFUSED 127.0.0.1:9", "timed out after 5000 ms". */
function failureText(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = err.cause?.message ?? err.cause?.code;
  return cause ? `${err.message ?? 'fetch failed'}: ${cause}` : (err.message ?? String(error));
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
