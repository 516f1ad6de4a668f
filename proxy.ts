// Runs before every request (Next.js 16's proxy, formerly middleware):
//  - a request id and a CSP nonce for every request, and the security headers on every response;
//  - a cross-origin POST (a forged form or fetch from another site) is refused here with 403 and
//    recorded in the audit log, before Next's server-action machinery or a route handler runs;
//  - a server action that is unknown, posted to a page that does not use it, too large, or with a
//    body that is not complete JSON is refused (4xx) and recorded, where Next would answer 500;
//  - a page request without a session cookie goes to the sign-in page. This is only the cheap
//    first filter: every page, route handler and action checks the session itself.
import { randomUUID } from 'node:crypto';

import { getSessionCookie } from 'better-auth/cookies';
import { NextResponse, type NextRequest } from 'next/server';

import { tooManyAnonymousAttempts } from '@/lib/audit/anonymous-attempts';
import type { AuditEntryInput } from '@/lib/audit/audit-entry';
import { recordAttempt } from '@/lib/audit/record-attempt';
import { sharedConsolePool } from '@/lib/console-database/console-database';
import { checkOrigin, originPolicyFromEnv } from '@/lib/security/origin-check';
import { requestInfo } from '@/lib/security/request-info';
import { contentSecurityPolicy, newNonce, STATIC_SECURITY_HEADERS } from '@/lib/security/security-headers';
import {
  actionBodyProblem,
  actionRequestProblem,
  judgeServerAction,
  loadServerActions,
  type ServerActions,
} from '@/lib/security/server-action-gate';
import { actorFrom } from '@/lib/server/session';

const PUBLIC_PATHS = ['/sign-in', '/api/auth/', '/api/health', '/api/ready', '/metrics'];
const isPublic = (path: string) =>
  PUBLIC_PATHS.some(
    (prefix) =>
      path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`) || path.startsWith(`${prefix}?`),
  );
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// The audit log's names for what the proxy refuses: a fixed few, whatever path or action id was
// posted, so no caller can fill the Audit page's action filter with names of their choosing.
const CROSS_ORIGIN = 'request.cross-origin';
const SERVER_ACTION_REFUSED = 'server-action.refused';

const holder = globalThis as unknown as { sentinelServerActions?: ServerActions | null };
const serverActions = () =>
  holder.sentinelServerActions === undefined
    ? (holder.sentinelServerActions = loadServerActions())
    : holder.sentinelServerActions;

interface Refusal {
  action: string;
  outcome: 'denied' | 'invalid';
  status: 400 | 403 | 404 | 413 | 415;
  error: string;
}

/** Records a refused request (as the signed-in user whose cookie it carries, else compactly as anonymous) and answers it. */
async function refuse(request: NextRequest, requestId: string, refusal: Refusal): Promise<NextResponse> {
  const actor = await actorFrom(request.headers).catch(() => null);
  const { clientAddress } = requestInfo(request.headers);
  const entry: AuditEntryInput = {
    actor: actor?.name ?? 'anonymous',
    actorRole: actor?.role ?? null,
    action: refusal.action,
    target: request.nextUrl.pathname.slice(0, 200),
    reason: null,
    stateBefore: undefined,
    stateAfter: undefined,
    outcome: refusal.outcome,
    detail: refusal.error,
    requestId,
    clientAddress,
  };
  const recorded = await recordAttempt(sharedConsolePool(), entry, actor !== null);
  if (!recorded.recorded) {
    const error = tooManyAnonymousAttempts(recorded.retryAfterMs);
    return NextResponse.json(
      { ok: false, outcome: 'denied', status: 429, error },
      { status: 429, headers: { 'Retry-After': String(Math.ceil(recorded.retryAfterMs / 1000)) } },
    );
  }
  return NextResponse.json(
    { ok: false, outcome: refusal.outcome, status: refusal.status, error: refusal.error },
    { status: refusal.status },
  );
}

/** What is wrong with a server-action request before Next decodes it, or null. */
async function serverActionProblem(request: NextRequest, actionId: string): Promise<Refusal | null> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  const verdict = judgeServerAction(
    serverActions(),
    actionId,
    request.nextUrl.pathname,
    Number.isFinite(declared) ? declared : null,
  );
  if (!verdict.ok)
    return { action: SERVER_ACTION_REFUSED, outcome: 'invalid', status: verdict.status, error: verdict.error };
  // Read from the proxy's copy of the body; Next still hands the action its own.
  const body = await request.text().catch(() => null);
  const problem =
    body === null
      ? { status: 400 as const, error: 'the request body could not be read' }
      : actionBodyProblem(request.headers.get('content-type'), body);
  return problem
    ? {
        action: SERVER_ACTION_REFUSED,
        outcome: 'invalid',
        status: problem.status,
        error: `${verdict.name}: ${problem.error}`,
      }
    : null;
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
    const actionId = request.headers.get('next-action');
    const verdict = checkOrigin(request.headers, originPolicyFromEnv());
    if (!verdict.ok) {
      const what = actionId
        ? `server action ${JSON.stringify(actionId.slice(0, 60))}`
        : `${request.method} ${path.slice(0, 200)}`;
      return finish(
        await refuse(request, requestId, {
          action: CROSS_ORIGIN,
          outcome: 'denied',
          status: 403,
          error: `requests from ${verdict.origin.slice(0, 200)} are not accepted (${what})`,
        }),
      );
    }
    const requestProblem = actionRequestProblem(path, request.headers.get('content-type'), actionId);
    if (requestProblem)
      return finish(
        await refuse(request, requestId, { action: SERVER_ACTION_REFUSED, outcome: 'invalid', ...requestProblem }),
      );
    const problem =
      actionId !== null && request.method === 'POST' ? await serverActionProblem(request, actionId) : null;
    if (problem) return finish(await refuse(request, requestId, problem));
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
    // recorded by lib/actions/run-mutation.ts like any other attempt.
  }

  const headers = new Headers(request.headers);
  headers.set('x-request-id', requestId);
  headers.set('x-nonce', nonce);
  headers.set('x-console-path', `${path}${request.nextUrl.search}`);
  headers.set('Content-Security-Policy', csp);
  return finish(NextResponse.next({ request: { headers } }));
}

export const config = {
  // Everything but Next's static files (hashed, immutable) and the favicon itself: a path that
  // only starts like one (/favicon.icoX) is a page path, where a server action could be posted.
  matcher: [{ source: '/((?!_next/static/|_next/image|favicon\\.ico$).*)' }],
};
