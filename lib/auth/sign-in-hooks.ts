// What Better Auth answers over HTTP, beyond its own checks:
//  - Only the endpoints the console uses are served. Better Auth also serves email sign-in (every
//    local account has a predictable email), self-service profile and password changes, and its
//    admin plugin's user management: each a way around the per-account limit, the password rules,
//    the audit log or the reserved name "anonymous". The console's own calls (auth.api.*) carry no
//    HTTP request and are not affected.
//  - Password sign-in is limited per account name (lib/auth/sign-in-throttle.ts), counted in the
//    console database Better Auth itself uses, so every replica counts into one limit. The attempt
//    is counted before the password is checked, so parallel guesses cannot all slip in before the
//    first failure is counted; a success clears the count. A browser that signed in to that name
//    before (a signed "known device" cookie) is not held by the name's delay, so nobody can keep
//    an admin out by guessing wrong on purpose; it still has the per-address limit. When the limit
//    cannot be checked (the database is away, overloaded, or the table missing) the attempt is
//    refused with 503 before any password is looked at: failing open would allow unlimited guesses
//    for as long as the fault lasts. A known device is not held there either.
//  - A disabled account answers exactly as a wrong password does, before its password is looked
//    at: Better Auth's admin plugin says 403 "banned" only once the password matched, which told an
//    attacker the password was right. (An after-hook cannot rewrite that answer: the first error's
//    status is kept.)
import { APIError, createAuthMiddleware, isAPIError } from 'better-auth/api';

import type { LimitDatabase, SignInThrottle } from './sign-in-throttle';
import { USERNAME_PATTERN } from './username';

/** The Better Auth endpoints served over HTTP; every other path answers 404. */
export const HTTP_AUTH_PATHS = new Set([
  '/sign-in/username',
  '/sign-in/social',
  '/sign-in/oauth2',
  '/callback/:id',
  '/oauth2/callback/:providerId',
  '/sign-out',
  '/get-session',
  '/ok',
  '/error',
]);

const SIGN_IN_PATH = '/sign-in/username';
const KNOWN_DEVICE_COOKIE = 'known_device';
const KNOWN_DEVICE_DAYS = 90;
/** Better Auth's answer to a wrong name or password, given to a disabled account too. */
const INVALID_CREDENTIALS = { code: 'INVALID_USERNAME_OR_PASSWORD', message: 'Invalid username or password' };

/** The answer while the sign-in limit cannot be checked; the cause goes to the log, not to the caller. */
const LIMIT_UNAVAILABLE = {
  code: 'SIGN_IN_LIMIT_UNAVAILABLE',
  message:
    'Sign-in is unavailable: the console database, which keeps the sign-in limits, cannot be reached; try again shortly',
};

/** The console database Better Auth was given (lib/auth/auth-config.ts passes the console pool). */
function consoleDatabaseOf(options: { database?: unknown }): LimitDatabase {
  const database = options.database as Partial<LimitDatabase> | undefined;
  if (typeof database?.query !== 'function')
    throw new Error("the sign-in limit needs Better Auth's database option to be the console's pg pool");
  return database as LimitDatabase;
}

const nameOf = (body: unknown) =>
  typeof (body as { username?: unknown } | undefined)?.username === 'string'
    ? (body as { username: string }).username
    : '';

export function signInHooks(throttle: SignInThrottle) {
  return {
    before: createAuthMiddleware(async (ctx) => {
      // Only requests that came over HTTP; the console's own auth.api calls have none.
      if (ctx.request && !HTTP_AUTH_PATHS.has(ctx.path)) throw new APIError('NOT_FOUND', { message: 'Not found' });
      if (ctx.path !== SIGN_IN_PATH) return;
      const name = nameOf(ctx.body);
      const cookie = ctx.context.createAuthCookie(KNOWN_DEVICE_COOKIE);
      const knownDevice =
        (await ctx.getSignedCookie(cookie.name, ctx.context.secret)) === name.toLowerCase() && name !== '';
      if (!knownDevice) {
        let waitMs: number;
        try {
          waitMs = await throttle.attempt(consoleDatabaseOf(ctx.context.options), name);
        } catch (error) {
          console.error(`[sign-in] refused: the sign-in limit could not be checked: ${(error as Error).message}`);
          throw new APIError('SERVICE_UNAVAILABLE', LIMIT_UNAVAILABLE);
        }
        if (waitMs > 0) {
          const seconds = Math.ceil(waitMs / 1000);
          throw new APIError(
            'TOO_MANY_REQUESTS',
            {
              code: 'ACCOUNT_THROTTLED',
              message: `Too many failed sign-ins for this account; try again in ${seconds} s`,
            },
            { 'Retry-After': String(seconds) },
          );
        }
      }
      // Only a name Better Auth would look up (it refuses others with 422 before any lookup).
      if (!USERNAME_PATTERN.test(name)) return;
      const user = await ctx.context.adapter.findOne<{ banned?: boolean | null }>({
        model: 'user',
        where: [{ field: 'username', value: name.toLowerCase() }],
      });
      if (user?.banned) {
        // As long as a password check takes, so the time does not tell a disabled account either.
        const password = (ctx.body as { password?: unknown } | undefined)?.password;
        await ctx.context.password.hash(typeof password === 'string' ? password : '');
        throw new APIError('UNAUTHORIZED', INVALID_CREDENTIALS);
      }
    }),
    after: createAuthMiddleware(async (ctx) => {
      if (ctx.path !== SIGN_IN_PATH || isAPIError(ctx.context.returned)) return;
      const name = nameOf(ctx.body);
      // Not cleared (the database went away just now): the count stays until the next success or a
      // day, and this browser is a known device from now on, so its owner is not held by it.
      await throttle
        .succeeded(consoleDatabaseOf(ctx.context.options), name)
        .catch((error: Error) => console.error(`[sign-in] the failure count was not cleared: ${error.message}`));
      const cookie = ctx.context.createAuthCookie(KNOWN_DEVICE_COOKIE, { maxAge: KNOWN_DEVICE_DAYS * 24 * 3600 });
      await ctx.setSignedCookie(cookie.name, name.toLowerCase(), ctx.context.secret, cookie.attributes);
    }),
  };
}
