// What the audit log records about where a request came from.
import { randomUUID } from 'node:crypto';

export interface RequestInfo {
  requestId: string;
  clientAddress: string | null;
}

const PLAUSIBLE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * x-request-id is made by proxy.ts for every request (a client's own is dropped), and
 * x-forwarded-for holds the one client address the console's server settled on
 * (lib/http/forwarded-headers.ts): the peer, or what CONSOLE_TRUSTED_PROXIES say.
 */
export function requestInfo(headers: Headers): RequestInfo {
  const id = headers.get('x-request-id');
  const client = headers.get('x-forwarded-for')?.split(',')[0].trim() || null;
  return { requestId: id && PLAUSIBLE_ID.test(id) ? id : randomUUID(), clientAddress: client?.slice(0, 100) ?? null };
}
