// The Better Auth instance: local accounts (username + password) for the embedded default, OIDC
// for real deployments, roles from the admin plugin, sessions in the console database.
// Plain TypeScript (no 'server-only'), so `npm start` can create the first admin before Next runs.
import { betterAuth } from 'better-auth';
import { APIError } from 'better-auth/api';
import { admin, genericOAuth, username } from 'better-auth/plugins';
import { createAccessControl } from 'better-auth/plugins/access';
import { nextCookies } from 'better-auth/next-js';
import type pg from 'pg';

import type { AuthSettings, OidcSettings } from './auth-settings';
import { roleFromGroups } from './roles';
import { USERNAME_PATTERN } from './username';

/** Table names: Better Auth's tables, prefixed like the rest of the console's own tables. */
export const AUTH_TABLES = { user: 'console_user', session: 'console_session', account: 'console_account', verification: 'console_verification' } as const;

/** The OIDC provider's id in Better Auth (callback at /api/auth/callback/oidc). */
export const OIDC_PROVIDER_ID = 'oidc';

// Better Auth's admin plugin checks its own permission statements for user management; only admin
// holds them. Our own checks (lib/auth/roles.ts) decide everything else.
const access = createAccessControl({ user: ['create', 'list', 'set-role', 'ban', 'impersonate', 'delete', 'set-password', 'get', 'update'], session: ['list', 'revoke', 'delete'] } as const);
const accessRoles = {
  viewer: access.newRole({ user: [], session: [] }),
  operator: access.newRole({ user: [], session: [] }),
  admin: access.newRole({ user: ['create', 'list', 'set-role', 'ban', 'delete', 'set-password', 'get', 'update'], session: ['list', 'revoke', 'delete'] }),
};

function oidcProvider(oidc: OidcSettings) {
  const groupsOf = (profile: Record<string, unknown>): string[] => {
    const claim = profile[oidc.groupsClaim];
    return Array.isArray(claim) ? claim.filter((group): group is string => typeof group === 'string') : typeof claim === 'string' ? [claim] : [];
  };
  return {
    providerId: OIDC_PROVIDER_ID,
    discoveryUrl: `${oidc.issuer}/.well-known/openid-configuration`,
    clientId: oidc.clientId,
    clientSecret: oidc.clientSecret,
    scopes: oidc.scopes,
    pkce: true,
    // The role follows the groups at every sign-in, so removing someone from a group takes effect
    // at their next sign-in.
    overrideUserInfo: true,
    mapProfileToUser: (profile: Record<string, unknown>) => {
      const role = roleFromGroups(groupsOf(profile), oidc.roleMapping, oidc.defaultRole);
      if (!role) throw new APIError('FORBIDDEN', { message: 'none of your groups is allowed into this console' });
      return { role };
    },
  };
}

export interface ConsoleAuthOptions {
  pool: pg.Pool;
  secret: string;
  settings: AuthSettings;
  /** Inside Next.js: let server actions set cookies. */
  next?: boolean;
}

export function createConsoleAuth({ pool, secret, settings, next = false }: ConsoleAuthOptions) {
  return betterAuth({
    appName: 'Sentinel Console',
    database: pool,
    secret,
    baseURL: settings.baseUrl ?? { allowedHosts: settings.allowedHosts, protocol: 'http', fallback: settings.fallbackUrl },
    telemetry: { enabled: false },
    user: { modelName: AUTH_TABLES.user },
    session: { modelName: AUTH_TABLES.session, expiresIn: settings.sessionMaxAgeSeconds, updateAge: Math.min(3600, settings.sessionMaxAgeSeconds / 2) },
    account: { modelName: AUTH_TABLES.account },
    verification: { modelName: AUTH_TABLES.verification },
    // Accounts are made by an admin (or the first-start bootstrap), never by signing up.
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 12, maxPasswordLength: 256 },
    advanced: {
      useSecureCookies: settings.baseUrl?.startsWith('https://') ?? false,
      cookiePrefix: 'sentinel-console',
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax' },
      // Next's server puts the peer address in x-forwarded-for; behind a proxy, that proxy's.
      ipAddress: { ipAddressHeaders: ['x-forwarded-for', 'x-real-ip'] },
    },
    rateLimit: { enabled: true, window: 60, max: 100, customRules: { '/sign-in/username': { window: 60, max: settings.signInRateLimit } } },
    plugins: [
      username({ minUsernameLength: 2, maxUsernameLength: 64, usernameValidator: (name) => USERNAME_PATTERN.test(name) }),
      admin({ defaultRole: 'viewer', adminRoles: ['admin'], ac: access, roles: accessRoles }),
      ...(settings.oidc ? [genericOAuth({ config: [oidcProvider(settings.oidc)] })] : []),
      ...(next ? [nextCookies()] : []),
    ],
  });
}

export type ConsoleAuth = ReturnType<typeof createConsoleAuth>;
