// What the app may believe about where a request came from, settled once as it arrives, before
// Next.js or any route sees it. Next's own server only fills X-Forwarded-For when it is absent, so
// without this a client's forged header would reach Better Auth's per-address sign-in limit, the
// Origin check and the audit log as the truth.
import type { IncomingHttpHeaders } from 'node:http';

import { clientAddress, type TrustedProxies } from '../security/trusted-proxies';

const FROM_PROXIES_ONLY = ['x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'forwarded'];

/**
 * Rewrites `headers` in place: X-Forwarded-For becomes the one client address (the peer, or what
 * trusted proxies say), X-Real-IP and a client's X-Request-Id go (the server makes request ids),
 * and the other forwarding headers stay only when the peer is a trusted proxy.
 */
export function settleForwardedHeaders(
  headers: IncomingHttpHeaders,
  peer: string | undefined,
  proxies: TrustedProxies,
): void {
  const forwarded = headers['x-forwarded-for'];
  const chain = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
  if (peer) headers['x-forwarded-for'] = clientAddress(peer, chain, proxies);
  else delete headers['x-forwarded-for'];
  delete headers['x-real-ip'];
  delete headers['x-request-id'];
  if (!peer || !proxies.has(peer)) for (const name of FROM_PROXIES_ONLY) delete headers[name];
}
