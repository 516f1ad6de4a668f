// Sign-in settings from the environment, checked once with errors that name the variable.
import { StoreError } from '../store';
import type { Environment } from '../store';
import { isRole, type Role } from './roles';
import { isReservedUsername, reservedUsernameRule } from './username';
import { PASSWORD_MAX, PASSWORD_MIN } from './password-limits';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Shown on the sign-in button. */
  displayName: string;
  scopes: string[];
  /** Claim of the ID token / userinfo holding the user's groups. */
  groupsClaim: string;
  /** Group name → role; the highest matching role wins. */
  roleMapping: Record<string, Role>;
  /** Role of a user none of whose groups is mapped; null refuses them. */
  defaultRole: Role | null;
}

export interface AuthSettings {
  /** Signs session cookies; when absent one is generated and kept in the console database. */
  secret?: string;
  /** The public URL (https in production); when absent, requests to the allowed hosts are served. */
  baseUrl?: string;
  allowedHosts: string[];
  /** Used for calls made without a request (the first-admin bootstrap): http://localhost:PORT. */
  fallbackUrl: string;
  sessionMaxAgeSeconds: number;
  /** Sign-in attempts per client address per minute. */
  signInRateLimit: number;
  oidc?: OidcSettings;
  firstAdmin: { username: string; password?: string };
}

const fail = (message: string): never => {
  throw new StoreError('config', message);
};

function parseRoleMapping(text: string): Record<string, Role> {
  const mapping: Record<string, Role> = {};
  for (const pair of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const at = pair.lastIndexOf('=');
    const group = pair.slice(0, at).trim();
    const role = pair.slice(at + 1).trim();
    if (at <= 0 || !group) fail(`OIDC_ROLE_MAPPING: "${pair}" is not group=role`);
    if (!isRole(role)) fail(`OIDC_ROLE_MAPPING: "${role}" is not a role (viewer, operator, admin)`);
    // An own property whatever the group's name (a plain assignment to "__proto__" would set the prototype).
    Object.defineProperty(mapping, group, {
      value: role as Role,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return mapping;
}

function oidcFromEnv(env: Environment): OidcSettings | undefined {
  const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret } = env;
  if (!issuer && !clientId && !clientSecret) return undefined;
  if (!issuer || !clientId || !clientSecret) {
    fail('OIDC sign-in needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together');
  }
  try {
    new URL(issuer!);
  } catch {
    fail(`OIDC_ISSUER is not a URL: ${issuer}`);
  }
  const defaultRole = env.OIDC_DEFAULT_ROLE ?? 'none';
  if (defaultRole !== 'none' && !isRole(defaultRole))
    fail(`OIDC_DEFAULT_ROLE must be none, viewer, operator or admin, not "${defaultRole}"`);
  return {
    issuer: issuer!.replace(/\/+$/, ''),
    clientId: clientId!,
    clientSecret: clientSecret!,
    displayName: env.OIDC_DISPLAY_NAME || 'single sign-on',
    scopes: (env.OIDC_SCOPES ?? 'openid profile email groups').split(/[\s,]+/).filter(Boolean),
    groupsClaim: env.OIDC_GROUPS_CLAIM || 'groups',
    roleMapping: parseRoleMapping(env.OIDC_ROLE_MAPPING ?? ''),
    defaultRole: defaultRole === 'none' ? null : (defaultRole as Role),
  };
}

export function authSettingsFromEnv(env: Environment = process.env): AuthSettings {
  const secret = env.BETTER_AUTH_SECRET || undefined;
  if (secret !== undefined && secret.length < 32)
    fail('BETTER_AUTH_SECRET must be at least 32 characters (openssl rand -base64 32)');
  const baseUrl = env.BETTER_AUTH_URL || undefined;
  if (baseUrl) {
    try {
      new URL(baseUrl);
    } catch {
      fail(`BETTER_AUTH_URL is not a URL: ${baseUrl}`);
    }
  }
  const maxAge = Number(env.CONSOLE_SESSION_MAX_AGE_SECONDS ?? 12 * 3600);
  if (!Number.isInteger(maxAge) || maxAge < 60)
    fail(
      `CONSOLE_SESSION_MAX_AGE_SECONDS must be a whole number of seconds, at least 60, not "${env.CONSOLE_SESSION_MAX_AGE_SECONDS}"`,
    );
  const signInRateLimit = Number(env.CONSOLE_SIGN_IN_RATE_LIMIT ?? 10);
  if (!Number.isInteger(signInRateLimit) || signInRateLimit < 1)
    fail(
      `CONSOLE_SIGN_IN_RATE_LIMIT must be a whole number of attempts per minute, not "${env.CONSOLE_SIGN_IN_RATE_LIMIT}"`,
    );
  const username = env.CONSOLE_ADMIN_USERNAME || 'admin';
  if (isReservedUsername(username)) fail(`CONSOLE_ADMIN_USERNAME: ${reservedUsernameRule(username)}`);
  const password = env.CONSOLE_ADMIN_PASSWORD || undefined;
  // Length and "not the username" here; the common-password list where the admin is created (first-admin.ts).
  if (password !== undefined && password.length < PASSWORD_MIN)
    fail(`CONSOLE_ADMIN_PASSWORD must be at least ${PASSWORD_MIN} characters`);
  if (password !== undefined && password.length > PASSWORD_MAX)
    fail(`CONSOLE_ADMIN_PASSWORD must be at most ${PASSWORD_MAX} characters`);
  if (password !== undefined && password.toLowerCase() === username.toLowerCase())
    fail('CONSOLE_ADMIN_PASSWORD must not be the username (CONSOLE_ADMIN_USERNAME)');
  return {
    secret,
    baseUrl,
    allowedHosts: (env.CONSOLE_ALLOWED_HOSTS ?? 'localhost:*,127.0.0.1:*,[::1]:*')
      .split(',')
      .map((host) => host.trim())
      .filter(Boolean),
    fallbackUrl: `http://localhost:${env.PORT || 3000}`,
    sessionMaxAgeSeconds: maxAge,
    signInRateLimit,
    oidc: oidcFromEnv(env),
    firstAdmin: { username, password },
  };
}
