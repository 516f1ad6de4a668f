// Who is asking: the signed-in user as the console's checks and its audit log see them, read from
// a request's session cookie through Better Auth.
import type { ConsoleAuth } from './auth-config';
import { isRole, type Role } from './roles';

/** A signed-in user as the console's checks see them. */
export interface Actor {
  id: string;
  /** Username for local accounts, email for OIDC ones: what the audit log records. */
  name: string;
  displayName: string;
  role: Role;
}

/** The signed-in user of these request headers; null when nobody is (or the account is disabled, or its role unknown). */
export async function actorOf(auth: ConsoleAuth, requestHeaders: Headers): Promise<Actor | null> {
  const session = await auth.api.getSession({ headers: requestHeaders });
  if (!session || session.user.banned) return null;
  const role = session.user.role;
  if (!isRole(role)) return null;
  const user = session.user as typeof session.user & { username?: string | null };
  return { id: user.id, name: user.username ?? user.email, displayName: user.name, role };
}
