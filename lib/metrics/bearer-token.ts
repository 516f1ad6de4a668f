// Optional bearer-token protection of an endpoint meant for machines (/metrics): with a token
// configured, a request must carry `Authorization: Bearer <token>`; without one, it is open.

import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether an Authorization header carries `expected` as its bearer token (RFC 6750: the scheme
 * is case-insensitive). Compared as SHA-256 digests in constant time, so neither the token's
 * characters nor its length show in the response time.
 */
export function bearerTokenMatches(authorization: string | null, expected: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  const given = match ? match[1] : '';
  // Always compare, even without a token, so a missing header takes as long as a wrong one.
  return timingSafeEqual(digest(given), digest(expected)) && match !== null;
}

/** null when the request may proceed; else the 401 to answer with. An empty or unset token leaves the endpoint open. */
export function requireBearerToken(request: Request, token: string | undefined, realm: string): Response | null {
  if (!token) return null;
  if (bearerTokenMatches(request.headers.get('authorization'), token)) return null;
  return new Response('unauthorized: send Authorization: Bearer <token>\n', {
    status: 401,
    headers: {
      'WWW-Authenticate': `Bearer realm="${realm}"`,
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
    },
  });
}
