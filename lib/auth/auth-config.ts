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
import { roleFromGroups, type Role } from './roles';
import { signInHooks } from './sign-in-hooks';
import { SignInThrottle } from './sign-in-throttle';
import { USERNAME_PATTERN } from './username';

/** Table names: Better Auth's tables, prefixed like the rest of the console's own tables. */
export const AUTH_TABLES = {
  user: 'console_user',
  session: 'console_session',
  account: 'console_account',
  verification: 'console_verification',
} as const;

/** The OIDC provider's id in Better Auth (callback at /api/auth/callback/oidc). */
export const OIDC_PROVIDER_ID = 'oidc';

// Better Auth's admin plugin checks its own permission statements for user management; only admin
// holds them. Our own checks (lib/auth/roles.ts) decide everything else.
const access = createAccessControl({
  user: ['create', 'list', 'set-role', 'ban', 'impersonate', 'delete', 'set-password', 'get', 'update'],
  session: ['list', 'revoke', 'delete'],
} as const);
const accessRoles = {
  viewer: access.newRole({ user: [], session: [] }),
  operator: access.newRole({ user: [], session: [] }),
  admin: access.newRole({
    user: ['create', 'list', 'set-role', 'ban', 'delete', 'set-password', 'get', 'update'],
    session: ['list', 'revoke', 'delete'],
  }),
};

/** Why a sign-in through the identity provider was refused (the sign-in page explains it). */
export const OIDC_NO_ROLE_ERROR = 'no_console_role';

/** The groups of a provider profile: the configured claim, as a list or a single string. */
export function groupsOf(profile: Record<string, unknown> | undefined, claimName: string): string[] {
  const claim = profile?.[claimName];
  return Array.isArray(claim)
    ? claim.filter((group): group is string => typeof group === 'string')
    : typeof claim === 'string'
      ? [claim]
      : [];
}

// The role of an OIDC sign-in, decided from the groups when Better Auth validates the identity
// (`user.validateUserInfo`, which sees the provider's raw profile) and written into the user row
// by the database hooks of that same request (which do not see the profile). Keyed by the request's
// endpoint context, which Better Auth hands to both.
//
// Why not `mapProfileToUser` returning { role }: Better Auth drops fields declared `input: false`
// (the admin plugin's `role` is) from a provider profile, both when it creates the user and when
// `overrideUserInfo` updates it, so every OIDC user stayed at the admin plugin's default role; and
// an error thrown there escapes the callback as a bare error page instead of the sign-in page.
const decidedRoles = new WeakMap<object, Role>();

function isOidcCallback(context: { path?: string; params?: Record<string, unknown> } | null | undefined): boolean {
  return context?.params?.id === OIDC_PROVIDER_ID && (context.path?.startsWith('/callback/') ?? false);
}

function oidcOptions(oidc: OidcSettings) {
  return {
    user: {
      // Runs for every OIDC sign-in: before a user is created, and for a returning user with the
      // provider's fresh profile. A refusal redirects to the sign-in page with ?error=no_console_role.
      validateUserInfo: (
        data: { source: { method: string; oauth?: { providerId: string; profile?: Record<string, unknown> } } },
        context: object,
      ) => {
        const { source } = data;
        if (source.method !== 'oauth' || source.oauth?.providerId !== OIDC_PROVIDER_ID) return;
        const role = roleFromGroups(
          groupsOf(source.oauth.profile, oidc.groupsClaim),
          oidc.roleMapping,
          oidc.defaultRole,
        );
        if (!role)
          return { error: OIDC_NO_ROLE_ERROR, errorDescription: 'none of your groups is allowed into this console' };
        decidedRoles.set(context, role);
      },
    },
    databaseHooks: {
      user: {
        // The role follows the groups at every sign-in (create, or update through overrideUserInfo),
        // so moving someone between groups takes effect at their next sign-in.
        create: {
          before: async (user: Record<string, unknown>, context: object | null) => withDecidedRole(user, context),
        },
        update: {
          before: async (user: Record<string, unknown>, context: object | null) => withDecidedRole(user, context),
        },
      },
    },
  };
}

function withDecidedRole<T extends Record<string, unknown>>(
  user: T,
  context: object | null,
): { data: T & { role?: Role } } | undefined {
  const role = context ? decidedRoles.get(context) : undefined;
  if (role) return { data: { ...user, role } };
  // Fail closed: an OIDC callback writing a user without a decided role never falls back to the
  // admin plugin's default role.
  if (isOidcCallback(context as Parameters<typeof isOidcCallback>[0]))
    throw new APIError('FORBIDDEN', { code: OIDC_NO_ROLE_ERROR, message: 'no role was decided for this sign-in' });
  return undefined;
}

function oidcProvider(oidc: OidcSettings) {
  return {
    providerId: OIDC_PROVIDER_ID,
    discoveryUrl: `${oidc.issuer}/.well-known/openid-configuration`,
    clientId: oidc.clientId,
    clientSecret: oidc.clientSecret,
    scopes: oidc.scopes,
    pkce: true,
    // Name, email and (through the hooks above) role are refreshed at every sign-in.
    overrideUserInfo: true,
    mapProfileToUser: (profile: Record<string, unknown>) => {
      const text = (key: string) =>
        typeof profile[key] === 'string' && profile[key] ? (profile[key] as string) : undefined;
      return { name: text('name') ?? text('preferred_username') ?? text('email') ?? '' };
    },
  };
}

export interface ConsoleAuthOptions {
  pool: pg.Pool;
  secret: string;
  settings: AuthSettings;
  /** Inside Next.js: let server actions set cookies. */
  next?: boolean;
  /** Failed sign-ins per account name (tests pass one with their own clock). */
  throttle?: SignInThrottle;
}

export function createConsoleAuth({
  pool,
  secret,
  settings,
  next = false,
  throttle = new SignInThrottle(),
}: ConsoleAuthOptions) {
  const oidc = settings.oidc ? oidcOptions(settings.oidc) : undefined;
  return betterAuth({
    appName: 'Sentinel Console',
    database: pool,
    secret,
    baseURL: settings.baseUrl ?? {
      allowedHosts: settings.allowedHosts,
      protocol: 'http',
      fallback: settings.fallbackUrl,
    },
    telemetry: { enabled: false },
    // A single sign-on that fails before it knows where to return (no or stale state, a forged
    // callback) comes back to the sign-in page with ?error=<code>, not to Better Auth's own page.
    onAPIError: { errorURL: '/sign-in' },
    user: { modelName: AUTH_TABLES.user, ...oidc?.user },
    databaseHooks: oidc?.databaseHooks,
    // Only the endpoints the console uses are served over HTTP (lib/auth/sign-in-hooks.ts).
    hooks: signInHooks(throttle),
    session: {
      modelName: AUTH_TABLES.session,
      expiresIn: settings.sessionMaxAgeSeconds,
      updateAge: Math.min(3600, settings.sessionMaxAgeSeconds / 2),
    },
    account: { modelName: AUTH_TABLES.account },
    verification: { modelName: AUTH_TABLES.verification },
    // Accounts are made by an admin (or the first-start bootstrap), never by signing up.
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 12, maxPasswordLength: 256 },
    advanced: {
      useSecureCookies: settings.baseUrl?.startsWith('https://') ?? false,
      cookiePrefix: 'sentinel-console',
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax' },
      // The console's server (scripts/console-server.ts) sets x-forwarded-for to the one client
      // address it believes: the peer, or the client a trusted proxy names (CONSOLE_TRUSTED_PROXIES).
      ipAddress: { ipAddressHeaders: ['x-forwarded-for'] },
    },
    rateLimit: {
      enabled: true,
      window: 60,
      max: 100,
      customRules: {
        // Password guessing: CONSOLE_SIGN_IN_RATE_LIMIT attempts per client address per minute.
        '/sign-in/username': { window: 60, max: settings.signInRateLimit },
        // Starting a single sign-on only sends the browser to the provider (passwords are checked
        // there), so it gets more room than Better Auth's default for /sign-in/* (3 per 10 s per
        // address), which refused the fourth colleague behind one office address with "Too many
        // requests". Still bounded: every start stores a state row until the callback.
        '/sign-in/social': { window: 60, max: Math.max(60, settings.signInRateLimit) },
      },
    },
    plugins: [
      username({
        minUsernameLength: 2,
        maxUsernameLength: 64,
        usernameValidator: (name) => USERNAME_PATTERN.test(name),
      }),
      admin({ defaultRole: 'viewer', adminRoles: ['admin'], ac: access, roles: accessRoles }),
      ...(settings.oidc ? [genericOAuth({ config: [oidcProvider(settings.oidc)] })] : []),
      ...(next ? [nextCookies()] : []),
    ],
  });
}

export type ConsoleAuth = ReturnType<typeof createConsoleAuth>;
