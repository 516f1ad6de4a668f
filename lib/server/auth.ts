// Sign-in for this server process: the Better Auth instance, and who is asking.
import 'server-only';

import { headers } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { cache } from 'react';

import { createConsoleAuth, type ConsoleAuth } from '@/lib/auth/auth-config';
import { authSettingsFromEnv } from '@/lib/auth/auth-settings';
import { consoleSecret } from '@/lib/auth/console-secret';
import { can, isRole, type Permission, type Role } from '@/lib/auth/roles';
import { getConsolePool } from '@/lib/server/console-database';

const holder = globalThis as unknown as { sentinelConsoleAuth?: Promise<ConsoleAuth> };

export function getAuth(): Promise<ConsoleAuth> {
  holder.sentinelConsoleAuth ??= (async () => {
    const pool = getConsolePool();
    const settings = authSettingsFromEnv();
    return createConsoleAuth({ pool, secret: await consoleSecret(pool, settings.secret), settings, next: true });
  })().catch((error) => {
    holder.sentinelConsoleAuth = undefined;
    throw error;
  });
  return holder.sentinelConsoleAuth;
}

/** A signed-in user as the console's checks see them. */
export interface Actor {
  id: string;
  /** Username for local accounts, email for OIDC ones: what the audit log records. */
  name: string;
  displayName: string;
  role: Role;
}

/** The signed-in user of these request headers; null when nobody is (or their role is unknown). */
export async function actorFrom(requestHeaders: Headers): Promise<Actor | null> {
  const auth = await getAuth();
  const session = await auth.api.getSession({ headers: requestHeaders });
  if (!session || session.user.banned) return null;
  const role = session.user.role;
  if (!isRole(role)) return null;
  const user = session.user as typeof session.user & { username?: string | null };
  return { id: user.id, name: user.username ?? user.email, displayName: user.name, role };
}

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
