// Better Auth's browser client: sign in with a local account or OIDC, sign out. Same origin, so
// no base URL; the session cookie is httpOnly and never seen by this code.
import { createAuthClient } from 'better-auth/client';
import { usernameClient } from 'better-auth/client/plugins';

export const authClient = createAuthClient({ plugins: [usernameClient()] });

// Browsers drop tabs and newlines from URLs and read a backslash as "/": "/<tab>/evil.com" and
// "/\evil.com" both go to //evil.com. Paths of this console never hold either (they arrive encoded).
const UNSAFE_IN_PATH = /[\u0000-\u001f\u007f\\]/;
const HERE = 'http://console.invalid';

/** Only a path of this console: never another site (an open redirect) nor a protocol-relative URL. */
export function safeNextPath(next: string | null | undefined): string {
  if (
    !next ||
    !next.startsWith('/') ||
    next.startsWith('//') ||
    UNSAFE_IN_PATH.test(next) ||
    next.startsWith('/sign-in')
  )
    return '/';
  try {
    return new URL(next, HERE).origin === HERE ? next : '/';
  } catch {
    return '/';
  }
}
