// What `npm start` (and the tests' fresh databases) do to a PostgreSQL datastore before serving it:
// create NVSentinel's schema when the database is empty, leave it alone otherwise, and say where
// the console's own tables can live.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import pg from 'pg';

import { StoreError } from '../../../errors/store-error';
import { connectionError, describeTarget } from '../connection-error';
import { applyMigrations, RETIRED_MIGRATIONS } from './migration-runner';
import {
  applyCommitOrderMigration, applySqlFile, assertUsableSchema, createNvsentinelSchema, describeSchemaVerdict, judgeSchema, nvsentinelMigrationsDir, readNvsentinelSchema, type SchemaVerdict,
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

async function connect(connectionString: string, ssl?: pg.ConnectionConfig['ssl']): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, ssl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw connectionError(error, connectionString);
  }
  return client;
}

/**
 * Whether the console's migrations ran here, and whether an earlier console created NVSentinel's
 * schema here: its retired baseline is recorded and it, not NVSentinel, wrote version 1 (it recorded
 * the description 'initial schema'; NVSentinel records 'initial PostgreSQL schema'). On NVSentinel's
 * own database an earlier console's baseline was a no-op: that database is never repaired.
 */
async function consoleMigrations(client: pg.Client): Promise<{ present: boolean; createdNvsentinel: boolean }> {
  const exists = await client.query<{ present: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
  if (!exists.rows[0].present) return { present: false, createdNvsentinel: false };
  const retired = await client.query(
    `SELECT 1 FROM "_prisma_migrations" m, nvsentinel_schema_migrations v
     WHERE m.migration_name = $1 AND m.finished_at IS NOT NULL AND v.version = 1 AND v.description = 'initial schema'`,
    [RETIRED_MIGRATIONS[0]],
  ).catch(() => ({ rowCount: 0 }));
  return { present: true, createdNvsentinel: (retired.rowCount ?? 0) > 0 };
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
  for (const file of (await readdir(/*turbopackIgnore: true*/ dir)).filter((name) => /^\d{5}_.*\.sql$/.test(name)).sort()) {
    await applySqlFile(client, await readFile(/*turbopackIgnore: true*/ path.join(dir, file), 'utf8'));
  }
  log('completed NVSentinel\'s schema in this console-created database (indexes and functions of its versions 1-3)');
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
      if (options.createIfEmpty === false) throw new StoreError('schema-missing', 'the database holds no NVSentinel schema (nothing was changed)');
      await createNvsentinelSchema(client, log);
      verdict = judgeSchema(await readNvsentinelSchema(client));
      consoleOwned = true;
    } else {
      const migrations = await consoleMigrations(client);
      consoleOwned = migrations.present;
      if (migrations.createdNvsentinel) await completeConsoleCreatedSchema(client, log);
      else if (migrations.present) log('the console\'s tables are in NVSentinel\'s database (an earlier console put them there); NVSentinel\'s own schema is left as it is');
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
    throw new StoreError('schema-exists', `the database at ${describeTarget(connectionString)} holds NVSentinel's schema, set up by NVSentinel: the console changes nothing in it; put the console's tables in CONSOLE_DATABASE_URL`);
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
