// What `npm start` (and the tests' fresh databases) do to a PostgreSQL datastore before serving it:
// create NVSentinel's schema when the database is empty, leave it alone otherwise, and say where
// the console's own tables can live.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import pg from 'pg';

import { StoreError } from '../../../errors/store-error';
import { describeTarget } from '../connection-error';
import { applyMigrations, connect, RETIRED_MIGRATIONS } from './migration-runner';
import {
  applyCommitOrderMigration,
  applySqlFile,
  CREATED_BY_CONSOLE,
  assertUsableSchema,
  createNvsentinelSchema,
  describeSchemaVerdict,
  judgeSchema,
  nvsentinelMigrationsDir,
  readNvsentinelSchema,
  type SchemaVerdict,
} from './nvsentinel-schema';

/** The schema a DBA may create in NVSentinel's database for the console's own tables. */
export const CONSOLE_SCHEMA = 'sentinel_console';

export interface PreparedDatastore {
  verdict: SchemaVerdict;
  /**
   * The console's tables live in this database: it created NVSentinel's schema here (now or in an
   * earlier run), or an earlier console put its tables beside NVSentinel's (they stay, with their
   * history; CONSOLE_DATABASE_URL moves a new installation's elsewhere).
   */
  consoleOwned: boolean;
  /** A schema the console may create its tables in (CONSOLE_SCHEMA, made by a DBA), when there is one. */
  consoleSchema: string | null;
}

/**
 * Whether the console's migrations ran here, and whether that makes the database the console's own.
 * The console set it up when its migrations are here and either it marked NVSentinel's version
 * table when it created the schema in an empty database (CREATED_BY_CONSOLE), or an earlier
 * console's baseline wrote version 1 itself (it recorded 'initial schema'; NVSentinel records
 * 'initial PostgreSQL schema', and whichever came first stayed). An earlier console's baseline over a
 * schema NVSentinel made first was a no-op: that database is NVSentinel's, never changed again.
 */
async function consoleMigrations(
  client: pg.Client,
): Promise<{ present: boolean; consoleSetUp: boolean; earlierConsoleBaseline: boolean }> {
  const exists = await client.query<{ present: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
  );
  if (!exists.rows[0].present) return { present: false, consoleSetUp: false, earlierConsoleBaseline: false };
  const marked = await client.query<{ comment: string | null }>(
    `SELECT obj_description(to_regclass('nvsentinel_schema_migrations'), 'pg_class') AS comment`,
  );
  if (marked.rows[0].comment === CREATED_BY_CONSOLE)
    return { present: true, consoleSetUp: true, earlierConsoleBaseline: false };
  const baseline = await client
    .query<{ description: string | null }>(
      `SELECT (SELECT description FROM nvsentinel_schema_migrations WHERE version = 1) AS description
     FROM "_prisma_migrations" WHERE migration_name = $1 AND finished_at IS NOT NULL`,
      [RETIRED_MIGRATIONS[0]],
    )
    .catch(() => ({ rows: [] as { description: string | null }[] }));
  if (baseline.rows.length === 0) return { present: true, consoleSetUp: false, earlierConsoleBaseline: false };
  const createdByConsole = baseline.rows[0].description === 'initial schema';
  return { present: true, consoleSetUp: createdByConsole, earlierConsoleBaseline: createdByConsole };
}

/**
 * A database an earlier console set up recorded NVSentinel's versions 1-3 but lacked some of their
 * indexes and functions; it is the console's own, so they are added (every statement is IF NOT
 * EXISTS / OR REPLACE), once.
 */
async function completeConsoleCreatedSchema(client: pg.Client, log: (line: string) => void): Promise<void> {
  const missing = await client.query(`SELECT 1 WHERE to_regclass('idx_health_events_recovery_identity') IS NULL
                                        OR NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'mark_changelog_processed')`);
  if (!missing.rowCount) return;
  const dir = nvsentinelMigrationsDir();
  for (const file of (await readdir(/*turbopackIgnore: true*/ dir))
    .filter((name) => /^\d{5}_.*\.sql$/.test(name))
    .sort()) {
    await applySqlFile(client, await readFile(/*turbopackIgnore: true*/ path.join(dir, file), 'utf8'));
  }
  log("completed NVSentinel's schema in this console-created database (indexes and functions of its versions 1-3)");
}

export async function prepareDatastore(
  connectionString: string,
  options: { log?: (line: string) => void; ssl?: pg.ConnectionConfig['ssl']; createIfEmpty?: boolean } = {},
): Promise<PreparedDatastore> {
  const log = options.log ?? (() => {});
  const client = await connect(connectionString, options.ssl);
  try {
    let verdict = judgeSchema(await readNvsentinelSchema(client));
    let consoleOwned = false;
    if (verdict.state === 'empty') {
      if (options.createIfEmpty === false)
        throw new StoreError('schema-missing', 'the database holds no NVSentinel schema (nothing was changed)');
      await createNvsentinelSchema(client, log);
      verdict = judgeSchema(await readNvsentinelSchema(client));
      consoleOwned = true;
    } else {
      // Refused before anything is done: a schema the console does not know is never touched.
      assertUsableSchema(verdict);
      const migrations = await consoleMigrations(client);
      // Only a database the console itself set up is its own; one NVSentinel set up stays as it is,
      // even where an earlier console put its tables beside NVSentinel's (they are left there).
      consoleOwned = migrations.consoleSetUp;
      if (migrations.earlierConsoleBaseline && verdict.state === 'current')
        await completeConsoleCreatedSchema(client, log);
      else if (migrations.present && !migrations.consoleSetUp) {
        log(
          "an earlier console put its tables (users, audit log, consumers) beside NVSentinel's in this database; they are left as they are: " +
            "the console now keeps them in its own database (copy them there with pg_dump -t 'console_*' to keep their history)",
        );
      }
    }
    assertUsableSchema(verdict);
    if (verdict.state === 'older') log(`warning: ${describeSchemaVerdict(verdict)}`);
    const schema = await client.query<{ usable: boolean }>(
      `SELECT has_schema_privilege($1, 'CREATE') AS usable FROM pg_namespace WHERE nspname = $1`,
      [CONSOLE_SCHEMA],
    );
    return { verdict, consoleOwned, consoleSchema: schema.rows[0]?.usable ? CONSOLE_SCHEMA : null };
  } finally {
    await client.end();
  }
}

/** The same database, with the console's tables found (and created) in `schema` first. */
export function withSearchPath(connectionString: string, schema: string): string {
  const url = new URL(connectionString);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/**
 * A database that is the console's own (empty, or set up by the console before): NVSentinel's
 * schema, created when empty, with the console's tables beside it. `commitOrder` also applies the
 * opt-in commit-order migration (a DBA's choice on a real datastore; the tests of that order).
 * Refuses NVSentinel's own database: the console's tables go to CONSOLE_DATABASE_URL there.
 */
export async function setUpOwnDatabase(
  connectionString: string,
  options: { log?: (line: string) => void; commitOrder?: boolean; migrationsDir?: string } = {},
): Promise<PreparedDatastore> {
  const prepared = await prepareDatastore(connectionString, { log: options.log });
  if (!prepared.consoleOwned) {
    throw new StoreError(
      'schema-exists',
      `the database at ${describeTarget(connectionString)} holds NVSentinel's schema, set up by NVSentinel: the console changes nothing in it; put the console's tables in CONSOLE_DATABASE_URL`,
    );
  }
  await applyMigrations(connectionString, { log: options.log, dir: options.migrationsDir });
  if (options.commitOrder) {
    const client = await connect(connectionString);
    try {
      await applyCommitOrderMigration(client);
    } finally {
      await client.end();
    }
  }
  return prepared;
}
