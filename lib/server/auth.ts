// The signed-in user of a page request (server components, server actions), through this
// process's app context.
import 'server-only';

import { headers } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { cache } from 'react';

import type { Actor } from '@/lib/auth/actor';
import { can, type Permission } from '@/lib/auth/roles';
import { appContext } from '@/lib/server/app-context';

/** The signed-in user of the current request, or null. */
export async function currentActor(): Promise<Actor | null> {
  return appContext().actor(await headers());
}

/**
 * The signed-in user of a page request, or a redirect to the sign-in page (which comes back here
 * afterwards). Once per request (React cache), so the layout and the page share one lookup.
 */
export const requirePageActor = cache(async (permission: Permission = 'dashboard:read'): Promise<Actor> => {
  const requestHeaders = await headers();
  const actor = await appContext().actor(requestHeaders);
  const path = requestHeaders.get('x-console-path') ?? '/';
  if (!actor) redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  if (!can(actor.role, permission)) forbidden();
  return actor;
});
