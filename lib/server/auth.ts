// Sign-in for this server process: the Better Auth instance, and who is asking.
import 'server-only';

import { headers } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { cache } from 'react';

import { can, type Permission } from '@/lib/auth/roles';
import { actorFrom, type Actor } from '@/lib/server/session';

export { actorFrom, getAuth, type Actor } from '@/lib/server/session';

/** The signed-in user of the current request (server components, server actions). */
export async function currentActor(): Promise<Actor | null> {
  return actorFrom(await headers());
}

/**
 * The signed-in user of a page request, or a redirect to the sign-in page (which comes back here
 * afterwards). Once per request (React cache), so the layout and the page share one lookup.
 */
export const requirePageActor = cache(async (permission: Permission = 'dashboard:read'): Promise<Actor> => {
  const requestHeaders = await headers();
  const actor = await actorFrom(requestHeaders);
  const path = requestHeaders.get('x-console-path') ?? '/';
  if (!actor) redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  if (!can(actor.role, permission)) forbidden();
  return actor;
});
