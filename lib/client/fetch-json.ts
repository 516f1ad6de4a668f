// The browser's reads of the app's own GET routes: the JSON body, or an error that says why
// (the route's own `error` message, or the status when the answer is not ours, e.g. a proxy page).
export async function fetchJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => undefined);
  if (!response.ok || body === undefined) {
    throw new Error(
      body?.error ?? `${url} answered HTTP ${response.status}${body === undefined ? ' without JSON' : ''}`,
    );
  }
  return body as T;
}
