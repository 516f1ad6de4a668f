// Is a request's Origin this console? Browsers send Origin on every POST, so a cross-site form or
// fetch carries the attacker's origin and is refused here. A request without Origin is not from a
// browser page (curl, a script with a bearer cookie): it cannot be cross-site forgery, so it passes.

export interface OriginPolicy {
  /** Extra origins allowed to post (CONSOLE_ALLOWED_ORIGINS, e.g. the public URL behind a proxy). */
  allowedOrigins: string[];
  /** Trust X-Forwarded-Host (set CONSOLE_TRUST_PROXY=1 only behind a proxy that sets it). */
  trustForwardedHost: boolean;
}

export function originPolicyFromEnv(env: Record<string, string | undefined> = process.env): OriginPolicy {
  const allowed = (env.CONSOLE_ALLOWED_ORIGINS ?? '').split(',').map((origin) => origin.trim().replace(/\/+$/, '')).filter(Boolean);
  if (env.BETTER_AUTH_URL) allowed.push(new URL(env.BETTER_AUTH_URL).origin);
  return { allowedOrigins: allowed, trustForwardedHost: env.CONSOLE_TRUST_PROXY === '1' || env.CONSOLE_TRUST_PROXY === 'true' };
}

export type OriginVerdict = { ok: true } | { ok: false; origin: string };

export function checkOrigin(headers: Headers, policy: OriginPolicy): OriginVerdict {
  const origin = headers.get('origin');
  if (origin === null) return { ok: true };
  if (policy.allowedOrigins.includes(origin)) return { ok: true };
  const host = (policy.trustForwardedHost ? headers.get('x-forwarded-host')?.split(',')[0].trim() : undefined) ?? headers.get('host');
  let originHost: string | undefined;
  try {
    originHost = new URL(origin).host;
  } catch {
    return { ok: false, origin };
  }
  return host && originHost === host ? { ok: true } : { ok: false, origin };
}
