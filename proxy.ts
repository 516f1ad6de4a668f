// Runs before every request (Next.js 16's proxy, formerly middleware):
//  - a request id and a CSP nonce for every request, and the security headers on every response;
//  - a cross-origin POST (a forged form or fetch from another site) is refused here with 403 and
//    recorded in the audit log, before Next's server-action machinery or a route handler runs;
//  - a page request without a session cookie goes to the sign-in page. This is only the cheap
//    first filter: every page, route handler and action checks the session itself.
import { getSessionCookie } from 'better-auth/cookies';
import { NextResponse, type NextRequest } from 'next/server';
import { randomUUID } from 'node:crypto';

import { appendAudit } from '@/lib/audit/audit-log';
import { consoleDatabaseFromEnv, openConsolePool } from '@/lib/console/console-database';
import { checkOrigin, originPolicyFromEnv } from '@/lib/security/origin-check';
import { contentSecurityPolicy, newNonce, STATIC_SECURITY_HEADERS } from '@/lib/security/security-headers';

const PUBLIC_PATHS = ['/sign-in', '/api/auth/', '/api/health', '/api/ready', '/metrics'];
const isPublic = (path: string) => PUBLIC_PATHS.some((prefix) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`) || path.startsWith(`${prefix}?`));
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const holder = globalThis as unknown as { sentinelProxyPool?: ReturnType<typeof openConsolePool> };

async function recordCrossOrigin(request: NextRequest, requestId: string, origin: string): Promise<void> {
  const action = request.headers.get('next-action') ? `server-action ${request.headers.get('next-action')!.slice(0, 60)}` : `${request.method} ${request.nextUrl.pathname}`;
  try {
    holder.sentinelProxyPool ??= openConsolePool(consoleDatabaseFromEnv(), 2);
    await appendAudit(holder.sentinelProxyPool, {
      actor: 'anonymous', actorRole: null, action: action.slice(0, 100), target: request.nextUrl.pathname, reason: null, stateBefore: null, stateAfter: null,
      outcome: 'denied', detail: `cross-origin request from ${origin} refused`, requestId,
      clientAddress: request.headers.get('x-forwarded-for')?.split(',')[0].trim() ?? null,
    });
  } catch (error) {
    console.error(`[audit] NOT STORED (${(error as Error).message}): cross-origin ${action} from ${origin}`);
  }
}

export async function proxy(request: NextRequest) {
  // Made here, never taken from the client: one id names one request's audit row.
  const requestId = randomUUID();
  const nonce = newNonce();
  const https = (process.env.BETTER_AUTH_URL ?? '').startsWith('https://');
  const csp = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === 'development', https });
  const path = request.nextUrl.pathname;

  const finish = (response: NextResponse) => {
    response.headers.set('Content-Security-Policy', csp);
    response.headers.set('X-Request-Id', requestId);
    for (const [name, value] of Object.entries(STATIC_SECURITY_HEADERS)) response.headers.set(name, value);
    if (https) response.headers.set('Strict-Transport-Security', 'max-age=31536000');
    return response;
  };

  if (MUTATING.has(request.method)) {
    const verdict = checkOrigin(request.headers, originPolicyFromEnv());
    if (!verdict.ok) {
      await recordCrossOrigin(request, requestId, verdict.origin);
      return finish(NextResponse.json({ ok: false, outcome: 'denied', status: 403, error: `requests from ${verdict.origin} are not accepted` }, { status: 403 }));
    }
  }

  if (!isPublic(path) && !getSessionCookie(request, { cookiePrefix: 'sentinel-console' })) {
    const read = request.method === 'GET' || request.method === 'HEAD';
    if (read && path.startsWith('/api/')) return finish(NextResponse.json({ error: 'sign in first' }, { status: 401 }));
    if (read) {
      const signIn = new URL('/sign-in', request.url);
      signIn.searchParams.set('next', `${path}${request.nextUrl.search}`);
      return finish(NextResponse.redirect(signIn));
    }
    // A change (server action or POST route) without a session goes on, to be refused (401) and
    // recorded by lib/mutations/run-mutation.ts like any other attempt.
  }

  const headers = new Headers(request.headers);
  headers.set('x-request-id', requestId);
  headers.set('x-nonce', nonce);
  headers.set('x-console-path', `${path}${request.nextUrl.search}`);
  headers.set('Content-Security-Policy', csp);
  return finish(NextResponse.next({ request: { headers } }));
}

export const config = {
  // Everything but Next's static files (hashed, immutable) and the favicon.
  matcher: [{ source: '/((?!_next/static|_next/image|favicon.ico).*)' }],
};
