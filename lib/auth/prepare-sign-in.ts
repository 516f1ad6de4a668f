// What `npm start` does for sign-in before the dashboard serves: the console tables exist (in the
// console database when it is not the datastore), and a console without users gets its first
// admin, with the generated password printed once.
import { consoleDatabaseFromEnv, openConsolePool } from '../console-database/console-database';
import type { Environment } from '../store';
import { applyMigrations } from '../store/postgres';
import { createConsoleAuth } from './auth-config';
import { authSettingsFromEnv } from './auth-settings';
import { consoleSecret } from './console-secret';
import { ensureFirstAdmin } from './first-admin';

export async function prepareSignIn(
  env: Environment,
  options: { migrationsDir: string; log: (line: string) => void },
): Promise<void> {
  const settings = authSettingsFromEnv(env);
  const database = consoleDatabaseFromEnv(env);
  if (env.CONSOLE_DATABASE_URL)
    await applyMigrations(database.connectionString, { log: options.log, dir: options.migrationsDir });
  const pool = openConsolePool(database, 2);
  try {
    // Only local accounts here: creating the first admin has no use for the identity provider, and
    // OIDC would make Better Auth fetch its discovery document, delaying the start (or logging a
    // failure) whenever the provider is slow or down. The dashboard contacts it on its own.
    const auth = createConsoleAuth({
      pool,
      secret: await consoleSecret(pool, settings.secret),
      settings: { ...settings, oidc: undefined },
    });
    const admin = await ensureFirstAdmin(auth, pool, settings.firstAdmin);
    if (admin.generatedPassword) {
      options.log('────────────────────────────────────────────────────────────────');
      options.log(`first sign-in: user "${admin.username}", password "${admin.generatedPassword}"`);
      options.log('shown once; set CONSOLE_ADMIN_PASSWORD before the first start to choose it');
      options.log('────────────────────────────────────────────────────────────────');
    } else if (admin.created) {
      options.log(`created the first admin "${admin.username}" with CONSOLE_ADMIN_PASSWORD`);
    }
    if (settings.oidc) options.log(`single sign-on through ${settings.oidc.issuer}`);
  } finally {
    await pool.end();
  }
}
