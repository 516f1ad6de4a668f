// A fresh idempotency key for each change a page asks for (lib/actions/idempotency.ts): the same
// request posted again, by a double submit or a replay, then runs once. crypto.getRandomValues, not
// randomUUID, because the console may be served over plain http on an internal address, where
// browsers offer randomUUID only to secure contexts.
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
