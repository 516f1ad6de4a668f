// Sign-in settings from the environment: sensible defaults, and every bad value refused with an
// error that names the variable to fix.
import { describe, expect, it } from 'vitest';

import { authSettingsFromEnv } from '@/lib/auth/auth-settings';
import { roleFromGroups } from '@/lib/auth/roles';
import { StoreError } from '@/lib/store/errors/store-error';

const OIDC = {
  OIDC_ISSUER: 'https://login.example.com/realms/gpu',
  OIDC_CLIENT_ID: 'sentinel-console',
  OIDC_CLIENT_SECRET: 'client-secret-value',
};

function failure(env: Record<string, string | undefined>): StoreError {
  try {
    authSettingsFromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('config');
    return error as StoreError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('authSettingsFromEnv defaults', () => {
  it('runs with nothing set: generated secret, local hosts, admin "admin", 12 h sessions, no OIDC', () => {
    expect(authSettingsFromEnv({})).toEqual({
      secret: undefined,
      baseUrl: undefined,
      allowedHosts: ['localhost:*', '127.0.0.1:*', '[::1]:*'],
      fallbackUrl: 'http://localhost:3000',
      sessionMaxAgeSeconds: 43_200,
      signInRateLimit: 10,
      oidc: undefined,
      firstAdmin: { username: 'admin', password: undefined },
    });
  });

  it('treats empty variables as unset', () => {
    const settings = authSettingsFromEnv({
      BETTER_AUTH_SECRET: '',
      BETTER_AUTH_URL: '',
      CONSOLE_ADMIN_USERNAME: '',
      CONSOLE_ADMIN_PASSWORD: '',
      PORT: '',
    });
    expect(settings).toMatchObject({
      secret: undefined,
      baseUrl: undefined,
      fallbackUrl: 'http://localhost:3000',
      firstAdmin: { username: 'admin', password: undefined },
    });
  });

  it('takes every value it is given', () => {
    const settings = authSettingsFromEnv({
      BETTER_AUTH_SECRET: 's'.repeat(32),
      BETTER_AUTH_URL: 'https://console.example.com',
      CONSOLE_ALLOWED_HOSTS: ' console.example.com , ,10.0.0.5:3000',
      PORT: '8080',
      CONSOLE_SESSION_MAX_AGE_SECONDS: '60',
      CONSOLE_SIGN_IN_RATE_LIMIT: '1',
      CONSOLE_ADMIN_USERNAME: 'root-admin',
      CONSOLE_ADMIN_PASSWORD: 'twelve-chars',
    });
    expect(settings).toEqual({
      secret: 's'.repeat(32),
      baseUrl: 'https://console.example.com',
      allowedHosts: ['console.example.com', '10.0.0.5:3000'],
      fallbackUrl: 'http://localhost:8080',
      sessionMaxAgeSeconds: 60,
      signInRateLimit: 1,
      oidc: undefined,
      firstAdmin: { username: 'root-admin', password: 'twelve-chars' },
    });
  });
});

describe('authSettingsFromEnv refuses bad values, naming the variable', () => {
  it.each([
    [{ BETTER_AUTH_SECRET: 's'.repeat(31) }, 'BETTER_AUTH_SECRET must be at least 32 characters'],
    [{ BETTER_AUTH_URL: 'console.example.com' }, 'BETTER_AUTH_URL is not a URL: console.example.com'],
    [
      { CONSOLE_SESSION_MAX_AGE_SECONDS: '59' },
      'CONSOLE_SESSION_MAX_AGE_SECONDS must be a whole number of seconds, at least 60, not "59"',
    ],
    [{ CONSOLE_SESSION_MAX_AGE_SECONDS: '3600.5' }, 'CONSOLE_SESSION_MAX_AGE_SECONDS'],
    [
      { CONSOLE_SESSION_MAX_AGE_SECONDS: '12h' },
      'CONSOLE_SESSION_MAX_AGE_SECONDS must be a whole number of seconds, at least 60, not "12h"',
    ],
    [{ CONSOLE_SESSION_MAX_AGE_SECONDS: '' }, 'CONSOLE_SESSION_MAX_AGE_SECONDS'],
    [
      { CONSOLE_SIGN_IN_RATE_LIMIT: '0' },
      'CONSOLE_SIGN_IN_RATE_LIMIT must be a whole number of attempts per minute, not "0"',
    ],
    [{ CONSOLE_SIGN_IN_RATE_LIMIT: '-5' }, 'CONSOLE_SIGN_IN_RATE_LIMIT'],
    [
      { CONSOLE_SIGN_IN_RATE_LIMIT: 'ten' },
      'CONSOLE_SIGN_IN_RATE_LIMIT must be a whole number of attempts per minute, not "ten"',
    ],
    [{ CONSOLE_SIGN_IN_RATE_LIMIT: '2.5' }, 'CONSOLE_SIGN_IN_RATE_LIMIT'],
    [{ CONSOLE_ADMIN_PASSWORD: 'elevenchars' }, 'CONSOLE_ADMIN_PASSWORD must be at least 12 characters'],
    [{ CONSOLE_ADMIN_PASSWORD: 'p'.repeat(257) }, 'CONSOLE_ADMIN_PASSWORD must be at most 256 characters'],
    [
      { CONSOLE_ADMIN_USERNAME: 'operations-lead', CONSOLE_ADMIN_PASSWORD: 'Operations-Lead' },
      'CONSOLE_ADMIN_PASSWORD must not be the username (CONSOLE_ADMIN_USERNAME)',
    ],
    [{ CONSOLE_ADMIN_USERNAME: 'anonymous' }, 'CONSOLE_ADMIN_USERNAME: username "anonymous" is reserved'],
    [{ CONSOLE_ADMIN_USERNAME: 'Anonymous' }, 'CONSOLE_ADMIN_USERNAME: username "Anonymous" is reserved'],
    [{ ...OIDC, OIDC_ISSUER: 'not a url' }, 'OIDC_ISSUER is not a URL: not a url'],
    [
      { ...OIDC, OIDC_DEFAULT_ROLE: 'superuser' },
      'OIDC_DEFAULT_ROLE must be none, viewer, operator or admin, not "superuser"',
    ],
    [{ ...OIDC, OIDC_DEFAULT_ROLE: 'Viewer' }, 'OIDC_DEFAULT_ROLE'],
  ])('%j', (env, message) => {
    expect(failure(env).message).toContain(message);
  });

  it('accepts the boundary values just inside the limits', () => {
    expect(() =>
      authSettingsFromEnv({
        BETTER_AUTH_SECRET: 's'.repeat(32),
        CONSOLE_ADMIN_PASSWORD: 'p'.repeat(12),
        CONSOLE_SESSION_MAX_AGE_SECONDS: '60',
        CONSOLE_SIGN_IN_RATE_LIMIT: '1',
      }),
    ).not.toThrow();
  });

  it('never shows the rejected secret or password in the message', () => {
    expect(failure({ BETTER_AUTH_SECRET: 'short-secret-value' }).message).not.toContain('short-secret-value');
    expect(failure({ CONSOLE_ADMIN_PASSWORD: 'hunter2pass' }).message).not.toContain('hunter2pass');
  });
});

describe('OIDC settings', () => {
  it.each([
    [{ OIDC_ISSUER: OIDC.OIDC_ISSUER }],
    [{ OIDC_CLIENT_ID: OIDC.OIDC_CLIENT_ID }],
    [{ OIDC_CLIENT_SECRET: OIDC.OIDC_CLIENT_SECRET }],
    [{ OIDC_ISSUER: OIDC.OIDC_ISSUER, OIDC_CLIENT_ID: OIDC.OIDC_CLIENT_ID }],
    [{ OIDC_ISSUER: OIDC.OIDC_ISSUER, OIDC_CLIENT_SECRET: OIDC.OIDC_CLIENT_SECRET }],
    [{ OIDC_CLIENT_ID: OIDC.OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: OIDC.OIDC_CLIENT_SECRET }],
  ])('needs issuer, client id and client secret together, not just %j', (env) => {
    expect(failure(env).message).toBe('OIDC sign-in needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together');
  });

  it('is off when none of the three is set, even if the optional ones are', () => {
    expect(
      authSettingsFromEnv({ OIDC_ROLE_MAPPING: 'ops=operator', OIDC_DEFAULT_ROLE: 'viewer' }).oidc,
    ).toBeUndefined();
  });

  it('has defaults: scopes, groups claim, display name, no mapping, unmapped users refused', () => {
    expect(authSettingsFromEnv({ ...OIDC, OIDC_ISSUER: 'https://login.example.com/realms/gpu///' }).oidc).toEqual({
      issuer: 'https://login.example.com/realms/gpu',
      clientId: 'sentinel-console',
      clientSecret: 'client-secret-value',
      displayName: 'single sign-on',
      scopes: ['openid', 'profile', 'email', 'groups'],
      groupsClaim: 'groups',
      roleMapping: {},
      defaultRole: null,
    });
  });

  it('takes the optional settings', () => {
    const oidc = authSettingsFromEnv({
      ...OIDC,
      OIDC_DISPLAY_NAME: 'Okta',
      OIDC_SCOPES: 'openid, email  roles',
      OIDC_GROUPS_CLAIM: 'roles',
      OIDC_DEFAULT_ROLE: 'viewer',
    }).oidc;
    expect(oidc).toMatchObject({
      displayName: 'Okta',
      scopes: ['openid', 'email', 'roles'],
      groupsClaim: 'roles',
      defaultRole: 'viewer',
    });
    expect(authSettingsFromEnv({ ...OIDC, OIDC_DEFAULT_ROLE: 'none' }).oidc?.defaultRole).toBeNull();
  });

  describe('OIDC_ROLE_MAPPING', () => {
    const mapping = (text: string) => authSettingsFromEnv({ ...OIDC, OIDC_ROLE_MAPPING: text }).oidc?.roleMapping;

    it('reads group=role pairs, trimming spaces and skipping empty pairs', () => {
      expect(mapping(' gpu-viewers = viewer ,, gpu-ops=operator,gpu-admins=admin, ')).toEqual({
        'gpu-viewers': 'viewer',
        'gpu-ops': 'operator',
        'gpu-admins': 'admin',
      });
    });

    it('splits at the last "=", so group names may hold "=" (LDAP DNs)', () => {
      expect(mapping('cn=gpu-admins=admin')).toEqual({ 'cn=gpu-admins': 'admin' });
    });

    it('keeps groups named like Object.prototype members as ordinary groups', () => {
      const read = mapping('__proto__=admin,constructor=operator,toString=viewer')!;
      expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
      expect(Object.keys(read)).toEqual(['__proto__', 'constructor', 'toString']);
      expect(roleFromGroups(['__proto__'], read, null)).toBe('admin');
      expect(roleFromGroups(['constructor'], read, null)).toBe('operator');
      expect(roleFromGroups(['hasOwnProperty'], read, null)).toBeNull();
    });

    it('lets a later pair for the same group win', () => {
      expect(mapping('ops=viewer,ops=operator')).toEqual({ ops: 'operator' });
    });

    it.each([
      ['gpu-admins', 'OIDC_ROLE_MAPPING: "gpu-admins" is not group=role'],
      ['=admin', 'OIDC_ROLE_MAPPING: "=admin" is not group=role'],
      [' =admin', 'OIDC_ROLE_MAPPING: "=admin" is not group=role'],
      ['ops=operator,admins', 'OIDC_ROLE_MAPPING: "admins" is not group=role'],
      ['gpu-admins=', 'OIDC_ROLE_MAPPING: "" is not a role (viewer, operator, admin)'],
      ['gpu-admins=superuser', 'OIDC_ROLE_MAPPING: "superuser" is not a role (viewer, operator, admin)'],
      ['gpu-admins=Admin', 'OIDC_ROLE_MAPPING: "Admin" is not a role'],
      ['ops=operator,root=none', 'OIDC_ROLE_MAPPING: "none" is not a role'],
    ])('refuses %j', (text, message) => {
      expect(failure({ ...OIDC, OIDC_ROLE_MAPPING: text }).message).toContain(message);
    });
  });
});
