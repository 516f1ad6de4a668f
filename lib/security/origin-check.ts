// Is a request's Origin this console? Browsers send Origin on every POST, so a cross-site form or
// fetch carries the attacker's origin and is refused here. A request without Origin is not from a
// browser page (curl, a script with a bearer cookie): it cannot be cross-site forgery, so it passes.
//
// An origin is scheme, host and port together (RFC 6454): https://host is not http://host, and an
// Origin that is not exactly an origin (userinfo as in http://evil@host, a path, "null") is refused.

export interface OriginPolicy {
  /** Extra origins allowed to post (CONSOLE_ALLOWED_ORIGINS, e.g. the public URL behind a proxy). */
  allowedOrigins: string[];
  /**
   * Compare with X-Forwarded-Host and X-Forwarded-Proto: when CONSOLE_TRUSTED_PROXIES names the
   * proxies (the console's server drops those headers from any other peer; lib/http/forwarded-headers.ts).
   */
  trustForwardedHost: boolean;
}

/** The serialised origin of `text` when `text` is exactly one (scheme://host[:port]), else null. */
function exactOrigin(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // URL drops userinfo, a trailing slash, a default port and case from .origin: anything of that
  // kind in the header means it is not a browser's Origin.
  return url.origin === text.toLowerCase() ? url.origin : null;
}

function normaliseAllowed(origin: string): string {
  const trimmed = origin.trim().replace(/\/+$/, '');
  try {
    const url = new URL(trimmed);
    return url.origin === 'null' ? trimmed : url.origin;
  } catch {
    return trimmed;
  }
}

export function originPolicyFromEnv(env: Record<string, string | undefined> = process.env): OriginPolicy {
  const allowed = (env.CONSOLE_ALLOWED_ORIGINS ?? '').split(',').map(normaliseAllowed).filter(Boolean);
  if (env.BETTER_AUTH_URL) allowed.push(new URL(env.BETTER_AUTH_URL).origin);
  return { allowedOrigins: allowed, trustForwardedHost: Boolean(env.CONSOLE_TRUSTED_PROXIES?.trim()) };
}

export type OriginVerdict = { ok: true } | { ok: false; origin: string };

const HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/i;
const first = (value: string | null | undefined) => value?.split(',')[0].trim() || undefined;

/** This console's own origin as the request reached it: http (the console serves plain HTTP) and Host, or what a trusted proxy says. */
function ownOrigin(headers: Headers, policy: OriginPolicy): string | null {
  const host = (policy.trustForwardedHost ? first(headers.get('x-forwarded-host')) : undefined) ?? headers.get('host');
  if (!host || !HOST.test(host)) return null;
  const proto =
    (policy.trustForwardedHost ? first(headers.get('x-forwarded-proto'))?.toLowerCase() : undefined) ?? 'http';
  if (proto !== 'http' && proto !== 'https') return null;
  try {
    return new URL(`${proto}://${host}`).origin;
  } catch {
    return null;
  }
}

export function checkOrigin(headers: Headers, policy: OriginPolicy): OriginVerdict {
  const origin = headers.get('origin');
  if (origin === null) return { ok: true };
  const claimed = exactOrigin(origin);
  if (claimed === null) return { ok: false, origin };
  if (policy.allowedOrigins.includes(claimed)) return { ok: true };
  return claimed === ownOrigin(headers, policy) ? { ok: true } : { ok: false, origin };
}
