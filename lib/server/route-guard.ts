// The session check of every read route handler (the proxy's redirect is only a first filter;
// route handlers are called directly too). Reads are not audited; changes are (run-mutation.ts).
import 'server-only';

import { can, type Permission } from '@/lib/auth/roles';
import type { Actor } from '@/lib/auth/actor';
import { appContext } from '@/lib/server/app-context';

export type Access = { ok: true; actor: Actor } | { ok: false; response: Response };

export async function allow(request: Request, permission: Permission = 'dashboard:read'): Promise<Access> {
  const actor = await appContext()
    .actor(request.headers)
    .catch(() => null);
  if (!actor)
    return {
      ok: false,
      response: Response.json({ error: 'sign in first' }, { status: 401, headers: { 'Cache-Control': 'no-store' } }),
    };
  if (!can(actor.role, permission))
    return {
      ok: false,
      response: Response.json(
        { error: `your role (${actor.role}) may not read this` },
        { status: 403, headers: { 'Cache-Control': 'no-store' } },
      ),
    };
  return { ok: true, actor };
}
