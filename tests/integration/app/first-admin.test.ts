// First start of a console: the first admin is created once (with CONSOLE_ADMIN_PASSWORD, or a
// generated password printed once) and can then sign in the way a browser does; the session
// secret is generated once and kept, so sessions survive a restart.
import path from 'node:path';

import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createConsoleAuth } from '@/lib/auth/auth-config';
import { authSettingsFromEnv } from '@/lib/auth/auth-settings';
import { consoleSecret } from '@/lib/auth/console-secret';
import { prepareSignIn } from '@/lib/auth/prepare-sign-in';
import { applyMigrations } from '@/lib/store/providers/postgres/schema/migration-runner';

import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

const server = testServers()[0];
const migrationsDir = path.join(process.cwd(), 'prisma', 'migrations');
const APP = 'http://localhost:3000';
const PASSWORD_LINE = /^first sign-in: user "([^"]+)", password "([^"]+)"$/;

/** A console server process: the Better Auth instance `npm start` would serve with this environment. */
async function openConsole(env: Record<string, string | undefined>) {
  const pool = new pg.Pool({ connectionString: env.CONSOLE_DATABASE_URL ?? env.DATABASE_URL, max: 2 });
  const settings = authSettingsFromEnv(env);
  const auth = createConsoleAuth({ pool, secret: await consoleSecret(pool, settings.secret), settings });
  const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
    auth.handler(
      new Request(`${APP}/api/auth${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: APP, ...headers },
        body: JSON.stringify(body),
      }),
    );
  return {
    pool,
    signIn: (username: string, password: string, headers: Record<string, string> = {}) =>
      post('/sign-in/username', { username, password }, headers),
    /** The signed-in user of a session cookie, or null. */
    async whoIs(cookie: string): Promise<{ username: string; role: string } | null> {
      const response = await auth.handler(
        new Request(`${APP}/api/auth/get-session`, { headers: { cookie, origin: APP } }),
      );
      const body = (await response.json()) as { user?: { username: string; role: string } } | null;
      return body?.user ? { username: body.user.username, role: body.user.role } : null;
    },
    close: () => pool.end(),
  };
}

/** The session cookie a successful sign-in sets, as a browser would send it back. */
function sessionCookie(response: Response): string {
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('sentinel-console.session_token='));
  expect(cookie, 'a session cookie').toBeDefined();
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Lax/i);
  return cookie!.split(';')[0];
}

async function prepare(env: Record<string, string | undefined>): Promise<string[]> {
  const lines: string[] = [];
  await prepareSignIn(env, { migrationsDir, log: (line) => lines.push(line) });
  return lines;
}

async function users(url: string): Promise<{ username: string; role: string }[]> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    return (
      await pool.query<{ username: string; role: string }>('SELECT username, role FROM console_user ORDER BY username')
    ).rows;
  } finally {
    await pool.end();
  }
}

describe(`first admin on ${server.name}`, () => {
  let database: TestDatabase;
  const opened: { close(): Promise<void> }[] = [];
  const open = async (env: Record<string, string | undefined>) => {
    const site = await openConsole(env);
    opened.push(site);
    return site;
  };

  beforeEach(async () => {
    database = await createTestDatabase(server);
  });

  afterEach(async () => {
    for (const site of opened.splice(0)) await site.close();
    await database.drop();
  });

  it('on an empty console database, prints a generated password once, and the admin signs in with it', async () => {
    // A separate console database: prepareSignIn creates its tables itself.
    const env = { CONSOLE_DATABASE_URL: database.url };
    const lines = await prepare(env);
    const passwordLines = lines.filter((line) => PASSWORD_LINE.test(line));
    expect(passwordLines).toHaveLength(1);
    const [, username, password] = PASSWORD_LINE.exec(passwordLines[0])!;
    expect(username).toBe('admin');
    expect(password.length).toBeGreaterThanOrEqual(24);
    expect(lines.filter((line) => line.includes(password))).toHaveLength(1);
    expect(await users(database.url)).toEqual([{ username: 'admin', role: 'admin' }]);

    const site = await open(env);
    const response = await site.signIn('admin', password);
    expect(response.status).toBe(200);
    expect(await site.whoIs(sessionCookie(response))).toEqual({ username: 'admin', role: 'admin' });

    expect((await site.signIn('admin', `${password}x`)).status).toBe(401);
    expect((await site.signIn('root', password)).status).toBe(401);

    // A second start creates nothing and prints no password.
    const again = await prepare(env);
    expect(again.some((line) => PASSWORD_LINE.test(line) || line.includes(password) || /created/.test(line))).toBe(
      false,
    );
    expect(await users(database.url)).toEqual([{ username: 'admin', role: 'admin' }]);
    expect((await site.signIn('admin', password)).status).toBe(200);
  });

  it('generates a different password for each new console', async () => {
    const first = (await prepare({ CONSOLE_DATABASE_URL: database.url })).find((line) => PASSWORD_LINE.test(line));
    const other = await createTestDatabase(server);
    try {
      const second = (await prepare({ CONSOLE_DATABASE_URL: other.url })).find((line) => PASSWORD_LINE.test(line));
      expect(first).toBeDefined();
      expect(second).toBeDefined();
      expect(PASSWORD_LINE.exec(first!)![2]).not.toBe(PASSWORD_LINE.exec(second!)![2]);
    } finally {
      await other.drop();
    }
  });

  it('with CONSOLE_ADMIN_USERNAME and CONSOLE_ADMIN_PASSWORD, the admin signs in with those and nothing secret is printed', async () => {
    // The datastore database, migrated by `npm start` before prepareSignIn runs.
    await applyMigrations(database.url);
    const env = {
      DATABASE_URL: database.url,
      CONSOLE_ADMIN_USERNAME: 'ops-lead',
      CONSOLE_ADMIN_PASSWORD: 'a-long-chosen-password',
    };
    const lines = await prepare(env);
    expect(lines).toEqual(['created the first admin "ops-lead" with CONSOLE_ADMIN_PASSWORD']);
    expect(await users(database.url)).toEqual([{ username: 'ops-lead', role: 'admin' }]);

    const site = await open(env);
    const response = await site.signIn('ops-lead', 'a-long-chosen-password');
    expect(response.status).toBe(200);
    expect(await site.whoIs(sessionCookie(response))).toEqual({ username: 'ops-lead', role: 'admin' });
  });

  it.each([
    [
      'a common password',
      { CONSOLE_ADMIN_PASSWORD: 'qwerty123456' },
      'CONSOLE_ADMIN_PASSWORD is one of the most common passwords; choose one that is harder to guess',
    ],
    [
      'a common password in another case',
      { CONSOLE_ADMIN_PASSWORD: 'PASSWORD1234' },
      'CONSOLE_ADMIN_PASSWORD is one of the most common passwords',
    ],
    [
      'the username',
      { CONSOLE_ADMIN_USERNAME: 'operations-lead', CONSOLE_ADMIN_PASSWORD: 'Operations-Lead' },
      'CONSOLE_ADMIN_PASSWORD must not be the username (CONSOLE_ADMIN_USERNAME)',
    ],
  ])('refuses %s as CONSOLE_ADMIN_PASSWORD, naming the rule, and creates nobody', async (_, variables, message) => {
    const failure = await prepare({ CONSOLE_DATABASE_URL: database.url, ...variables }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toContain(message);
    expect(failure?.message).not.toContain(variables.CONSOLE_ADMIN_PASSWORD);
    expect(await users(database.url).catch(() => [])).toEqual([]);
  });

  it('never resets the admin when the variables change after the first start', async () => {
    await applyMigrations(database.url);
    await prepare({ DATABASE_URL: database.url, CONSOLE_ADMIN_PASSWORD: 'the-first-password' });
    const changed = {
      DATABASE_URL: database.url,
      CONSOLE_ADMIN_USERNAME: 'someone-else',
      CONSOLE_ADMIN_PASSWORD: 'a-different-password',
    };
    expect(await prepare(changed)).toEqual([]);
    expect(await users(database.url)).toEqual([{ username: 'admin', role: 'admin' }]);
    const site = await open(changed);
    expect((await site.signIn('admin', 'the-first-password')).status).toBe(200);
    expect((await site.signIn('admin', 'a-different-password')).status).toBe(401);
    expect((await site.signIn('someone-else', 'a-different-password')).status).toBe(401);
  });

  it('limits sign-in attempts per client address to CONSOLE_SIGN_IN_RATE_LIMIT a minute', async () => {
    await applyMigrations(database.url);
    const env = {
      DATABASE_URL: database.url,
      CONSOLE_ADMIN_PASSWORD: 'the-first-password',
      CONSOLE_SIGN_IN_RATE_LIMIT: '3',
    };
    await prepare(env);
    const site = await open(env);
    const from = (address: string) => ({ 'x-forwarded-for': address });
    for (let i = 0; i < 3; i++)
      expect((await site.signIn('admin', `guess-number-${i}`, from('203.0.113.7'))).status).toBe(401);
    // Even the right password waits now, from that address; another address is not held up.
    expect((await site.signIn('admin', 'the-first-password', from('203.0.113.7'))).status).toBe(429);
    expect((await site.signIn('admin', 'the-first-password', from('198.51.100.4'))).status).toBe(200);
  });

  it('refuses a disabled account, even with the right password', async () => {
    await applyMigrations(database.url);
    const env = { DATABASE_URL: database.url, CONSOLE_ADMIN_PASSWORD: 'the-first-password' };
    await prepare(env);
    const site = await open(env);
    // What user.disable does (lib/actions/user-mutations.ts).
    await site.pool.query(
      `UPDATE console_user SET banned = true, "banReason" = 'left the team' WHERE username = 'admin'`,
    );
    const response = await site.signIn('admin', 'the-first-password');
    // The same answer as a wrong password, so the right one is never confirmed for a disabled account.
    expect(response.status).toBe(401);
    expect(await response.clone().json()).toMatchObject({ code: 'INVALID_USERNAME_OR_PASSWORD' });
    expect(response.headers.getSetCookie().some((line) => line.startsWith('sentinel-console.session_token='))).toBe(
      false,
    );
  });

  describe('consoleSecret', () => {
    beforeEach(async () => {
      await applyMigrations(database.url);
    });

    it('generates one secret, keeps it in console_settings and returns the same one after a restart', async () => {
      const pool = new pg.Pool({ connectionString: database.url, max: 1 });
      try {
        const first = await consoleSecret(pool, undefined);
        const second = await consoleSecret(pool, undefined);
        expect(first).toBe(second);
        expect(first.length).toBeGreaterThanOrEqual(32);
        const { rows } = await pool.query('SELECT key, value FROM console_settings');
        expect(rows).toEqual([{ key: 'auth_secret', value: first }]);
      } finally {
        await pool.end();
      }
    });

    it('gives two processes starting together the same secret', async () => {
      const pools = [0, 1].map(() => new pg.Pool({ connectionString: database.url, max: 1 }));
      try {
        const [a, b] = await Promise.all(pools.map((pool) => consoleSecret(pool, undefined)));
        expect(a).toBe(b);
      } finally {
        await Promise.all(pools.map((pool) => pool.end()));
      }
    });

    it('uses the configured secret as given, and stores nothing', async () => {
      const pool = new pg.Pool({ connectionString: database.url, max: 1 });
      try {
        const configured = 'c'.repeat(40);
        expect(await consoleSecret(pool, configured)).toBe(configured);
        expect((await pool.query('SELECT * FROM console_settings')).rows).toEqual([]);
      } finally {
        await pool.end();
      }
    });

    it('keeps a signed-in user signed in across a restart without BETTER_AUTH_SECRET', async () => {
      const env = { DATABASE_URL: database.url, CONSOLE_ADMIN_PASSWORD: 'the-first-password' };
      await prepare(env);
      const before = await open(env);
      const cookie = sessionCookie(await before.signIn('admin', 'the-first-password'));
      const after = await open(env);
      expect(await after.whoIs(cookie)).toEqual({ username: 'admin', role: 'admin' });
      // A server signing with another secret does not accept the cookie.
      const other = await open({ ...env, BETTER_AUTH_SECRET: 'x'.repeat(32) });
      expect(await other.whoIs(cookie)).toBeNull();
    });
  });
});
