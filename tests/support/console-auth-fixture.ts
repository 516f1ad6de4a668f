// A console database with its migrations and first admin, Better Auth over it, an app context on
// both (for runMutation), and the server's holders (lib/console-database, lib/server/session.ts)
// set to them: for integration tests that drive actions and route handlers in-process.
import path from 'node:path';

import pg from 'pg';

import { createConsoleAuth, type ConsoleAuth } from '@/lib/auth/auth-config';
import { authSettingsFromEnv } from '@/lib/auth/auth-settings';
import { consoleSecret } from '@/lib/auth/console-secret';
import { prepareSignIn } from '@/lib/auth/prepare-sign-in';
import type { SignInThrottle } from '@/lib/auth/sign-in-throttle';
import type { AppContext } from '@/lib/context/app-context';

import { testAppContext } from './app-context';

import { createTestDatabase, testServers, type TestDatabase } from './test-databases';

export const APP = 'http://localhost:3000';
export const ADMIN_PASSWORD = 'a-long-chosen-password';

const holder = globalThis as unknown as {
  sentinelConsolePool?: pg.Pool;
  sentinelConsoleAuth?: Promise<ConsoleAuth>;
  sentinelMutationLimiter?: unknown;
};

export interface ConsoleAuthFixture {
  database: TestDatabase;
  pool: pg.Pool;
  auth: ConsoleAuth;
  /** The app context on this console database (no datastore). */
  context: AppContext;
  /** The admin's session, origin and host, as a browser on the console would send them. */
  adminHeaders: Headers;
  signIn(username: string, password: string): Promise<Response>;
  close(): Promise<void>;
}

export async function consoleAuthFixture(
  options: { server?: ReturnType<typeof testServers>[number]; throttle?: SignInThrottle } = {},
): Promise<ConsoleAuthFixture> {
  const server = options.server ?? testServers()[0];
  const database = await createTestDatabase(server);
  const env = { CONSOLE_DATABASE_URL: database.url, CONSOLE_ADMIN_PASSWORD: ADMIN_PASSWORD };
  await prepareSignIn(env, { migrationsDir: path.join(process.cwd(), 'prisma', 'migrations'), log: () => {} });
  const pool = new pg.Pool({ connectionString: database.url, max: 3 });
  const settings = authSettingsFromEnv(env);
  const auth = createConsoleAuth({
    pool,
    secret: await consoleSecret(pool, settings.secret),
    settings,
    throttle: options.throttle,
  });
  holder.sentinelConsolePool = pool;
  holder.sentinelConsoleAuth = Promise.resolve(auth);
  holder.sentinelMutationLimiter = undefined;
  const signIn = (username: string, password: string) =>
    auth.handler(
      new Request(`${APP}/api/auth/sign-in/username`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: APP },
        body: JSON.stringify({ username, password }),
      }),
    );
  const response = await signIn('admin', ADMIN_PASSWORD);
  if (response.status !== 200)
    throw new Error(`the first admin could not sign in: ${response.status} ${await response.text()}`);
  const cookie = response.headers
    .getSetCookie()
    .find((line) => line.startsWith('sentinel-console.session_token='))!
    .split(';')[0];
  return {
    database,
    pool,
    auth,
    signIn,
    context: testAppContext({ consolePool: pool, auth }),
    adminHeaders: new Headers({ cookie, origin: APP, host: 'localhost:3000' }),
    async close() {
      holder.sentinelConsolePool = undefined;
      holder.sentinelConsoleAuth = undefined;
      await pool.end();
      await database.drop();
    },
  };
}
