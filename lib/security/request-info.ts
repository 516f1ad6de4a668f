// What the audit log records about where a request came from.
import { randomUUID } from 'node:crypto';

export interface RequestInfo {
  requestId: string;
  clientAddress: string | null;
}

const PLAUSIBLE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** x-request-id is set by proxy.ts on every request (or kept from a trusted upstream). */
export function requestInfo(headers: Headers): RequestInfo {
  const id = headers.get('x-request-id');
  const forwarded = headers.get('x-forwarded-for')?.split(',')[0].trim() || headers.get('x-real-ip') || null;
  return { requestId: id && PLAUSIBLE_ID.test(id) ? id : randomUUID(), clientAddress: forwarded?.slice(0, 100) ?? null };
}

export function newRequestId(upstream: string | null): string {
  return upstream && PLAUSIBLE_ID.test(upstream) ? upstream : randomUUID();
}
