// Better Auth's browser client: sign in with a local account or OIDC, sign out. Same origin, so
// no base URL; the session cookie is httpOnly and never seen by this code.
import { createAuthClient } from 'better-auth/client';
import { usernameClient } from 'better-auth/client/plugins';

export const authClient = createAuthClient({ plugins: [usernameClient()] });

/** Only a path of this console: never another site (an open redirect) nor a protocol-relative URL. */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith('/sign-in')) return '/';
  return next;
}
