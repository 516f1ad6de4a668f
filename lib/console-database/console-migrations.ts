// Who changes the console database's schema, and who uses it. The app connects with a role that
// may only read and append to the audit log; migrations need the tables' owner, who can also
// switch the append-only triggers off. So `npm start` migrates as the owner and hands the app
// only the app's URL:
//   - on the embedded PostgreSQL, the two roles it makes itself (embedded-console-roles.ts);
//   - on a database the operator gives, CONSOLE_DATABASE_MIGRATION_URL when set (else the app's URL,
//     as before), and one warning line when the app's role could rewrite the audit log.
import { auditLogRewritePowers } from '../audit/audit-log-powers';
import type { Environment } from '../store';
import { parsePostgresUrl } from '../store/postgres';
import { applyMigrations, connect } from '../store/postgres';
import { grantConsoleAppRole } from './console-app-grants';
import type { EmbeddedConsoleRoles } from './embedded-console-roles';

/** The owner of the console database, for migrations only (never handed to the app). */
export const MIGRATION_URL_SETTING = 'CONSOLE_DATABASE_MIGRATION_URL';

/**
 * The URL that migrates (and prepares the schema of) the database the app reaches with `appUrl`.
 * CONSOLE_DATABASE_MIGRATION_URL belongs to the console database: CONSOLE_DATABASE_URL's when that
 * is set, else the datastore's (the console's own database, or its schema there, whose search_path
 * it takes from `appUrl`).
 */
export function migrationUrlFor(appUrl: string, env: Environment, embedded?: EmbeddedConsoleRoles): string {
  if (embedded && appUrl === embedded.appUrl) return embedded.ownerUrl;
  const setting = env[MIGRATION_URL_SETTING]?.trim();
  if (!setting) return appUrl;
  const consoleSetting = env.CONSOLE_DATABASE_URL?.trim();
  if (consoleSetting && appUrl !== consoleSetting) return appUrl;
  const url = parsePostgresUrl(setting, MIGRATION_URL_SETTING);
  const options = new URL(appUrl).searchParams.get('options');
  if (options && !url.searchParams.has('options')) url.searchParams.set('options', options);
  return url.toString();
}

/** The warning `npm start` logs when the app's role could rewrite the audit log, or null. */
export function rewriteWarning(powers: string | null): string | null {
  if (!powers) return null;
  return (
    `warning: the console's database ${powers}, so the audit log is append-only only by agreement; ` +
    `connect the app as a role with SELECT and INSERT on console_audit_log (DML elsewhere) and set ${MIGRATION_URL_SETTING} to the tables' owner ` +
    `(README, "What the console needs from a DBA")`
  );
}

/**
 * Applies the console's migrations as the owner, then sets the app role's rights on what is there
 * (console-app-grants.ts: as the superuser on the embedded database, as the owner on one the
 * operator gives with CONSOLE_DATABASE_MIGRATION_URL), and says in one line whether the app's role
 * could still rewrite the audit log. Returns that finding (null: it cannot). Never refuses to
 * start: existing deployments keep running.
 */
export async function migrateConsoleDatabase(
  appUrl: string,
  options: { env: Environment; embedded?: EmbeddedConsoleRoles; dir?: string; log: (line: string) => void },
): Promise<string | null> {
  const migrationUrl = migrationUrlFor(appUrl, options.env, options.embedded);
  await applyMigrations(migrationUrl, { log: options.log, dir: options.dir });
  const app = await connect(appUrl);
  try {
    if (options.embedded && appUrl === options.embedded.appUrl) {
      await options.embedded.grantAppRole();
    } else if (migrationUrl !== appUrl) {
      const appRole = (await app.query<{ role: string }>('SELECT current_user::text AS role')).rows[0].role;
      const owner = await connect(migrationUrl);
      try {
        // The tables' schema: public, or the one a DBA made for the console (first in search_path).
        const { rows } = await owner.query<{ role: string; schema: string }>(
          'SELECT current_user::text AS role, current_schema() AS schema',
        );
        if (rows[0].role !== appRole) await grantConsoleAppRole(owner, appRole, rows[0].schema);
      } finally {
        await owner.end();
      }
    }
    const powers = await auditLogRewritePowers(app);
    const warning = rewriteWarning(powers);
    if (warning) options.log(warning);
    return powers;
  } finally {
    await app.end();
  }
}
