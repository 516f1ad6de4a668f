// Better Auth's HTTP endpoints, limited to what the browser needs: sign in (local or OIDC), the
// OIDC callback, the session, sign out. Everything else it offers (sign-up, its admin endpoints,
// password reset by email, …) answers 404 here: users are managed through the console's own
// audited actions (lib/actions/user-mutations.ts), never behind the audit log's back.
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

const OPEN = {
  GET: new Set(['/get-session', '/callback/oidc', '/error', '/ok']),
  POST: new Set(['/sign-in/username', '/sign-in/social', '/sign-out', '/callback/oidc']),
};

async function handle(request: Request, method: keyof typeof OPEN): Promise<Response> {
  const path = new URL(request.url).pathname.replace(/^\/api\/auth/, '');
  if (!OPEN[method].has(path)) return Response.json({ error: `not found: /api/auth${path}` }, { status: 404 });
  const auth = await appContext().auth();
  return auth.handler(request);
}

export const GET = (request: Request) => handle(request, 'GET');
export const POST = (request: Request) => handle(request, 'POST');
