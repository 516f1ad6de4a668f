// Who is asking, from a request's headers: this process's Better Auth instance and the session's
// user. Free of 'server-only' and next/* imports, so proxy.ts can name the signed-in user of a
// request it refuses (a cross-site post carrying an admin's cookie is recorded as that admin).
import { createConsoleAuth, type ConsoleAuth } from '@/lib/auth/auth-config';
import { authSettingsFromEnv } from '@/lib/auth/auth-settings';
import { consoleSecret } from '@/lib/auth/console-secret';
import { isRole, type Role } from '@/lib/auth/roles';
import { sharedConsolePool } from '@/lib/console/console-database';

const holder = globalThis as unknown as { sentinelConsoleAuth?: Promise<ConsoleAuth> };

export function getAuth(): Promise<ConsoleAuth> {
  holder.sentinelConsoleAuth ??= (async () => {
    const pool = sharedConsolePool();
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

