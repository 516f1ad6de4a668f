// Applies the Prisma-format migrations in prisma/migrations over plain `pg`, recording each one in
// `_prisma_migrations` the way `prisma migrate deploy` does (same table, checksum, advisory lock),
// because Prisma's migration engine is a native binary that cannot be downloaded here. Where the
// engine exists, `prisma migrate status` and `deploy` agree with what this runner did.
//
// Differences from Prisma, on purpose: each migration and its record commit in one transaction,
// so a failing migration leaves neither a half-applied schema nor a "failed" row behind; and a
// database that holds a migration this code does not know is refused before anything is applied.
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import pg from 'pg';

import { StoreError } from '../../../errors/store-error';
import { connectionError } from '../connection-error';

/**
 * Migrations of earlier versions that no longer exist as files: they created NVSentinel's schema
 * and its changelog's commit-order column among the console's own tables. NVSentinel's schema is
 * now created apart (nvsentinel-schema.ts) and the column is an opt-in for a DBA, so a database
 * that has them recorded is not "newer than this code".
 */
export const RETIRED_MIGRATIONS = ['20261122000000_nvsentinel_baseline', '20261122000100_commit_ordered_changelog'];

/** Prisma's advisory lock key for migrations (so our runner and Prisma's exclude each other). */
const PRISMA_MIGRATION_LOCK = 72707369;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Applied to the database but unknown to this code: the database is newer than the code. */
  unknown: string[];
  /** Started but never finished (a failed `prisma migrate deploy`). */
  failed: string[];
  /** Applied, but the file has changed since. */
  modified: string[];
}

export function defaultMigrationsDir(): string {
  return process.env.MIGRATIONS_DIR ?? path.join(process.cwd(), 'prisma', 'migrations');
}

export async function readLocalMigrations(dir = defaultMigrationsDir()): Promise<LocalMigration[]> {
  const entries = await readdir(/*turbopackIgnore: true*/ dir, { withFileTypes: true }).catch(() => {
    throw new StoreError('migrations', `migrations folder ${dir} cannot be read`);
  });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(/*turbopackIgnore: true*/ path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function readApplied(client: pg.ClientBase | pg.Pool): Promise<AppliedRow[]> {
  const exists = await client.query(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
  if (!exists.rows[0].present) return [];
  const result = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
  );
  return result.rows;
}

function compare(local: LocalMigration[], rows: AppliedRow[]): MigrationStatus {
  const live = rows.filter((row) => row.rolled_back_at === null);
  const finished = new Map(live.filter((row) => row.finished_at !== null).map((row) => [row.migration_name, row]));
  const localNames = new Set(local.map((migration) => migration.name));
  return {
    applied: local.filter((m) => finished.has(m.name)).map((m) => m.name),
    pending: local.filter((m) => !finished.has(m.name)).map((m) => m.name),
    unknown: [...finished.keys()].filter((name) => !localNames.has(name) && !RETIRED_MIGRATIONS.includes(name)),
    failed: live.filter((row) => row.finished_at === null).map((row) => row.migration_name),
    modified: local
      .filter((m) => finished.has(m.name) && finished.get(m.name)!.checksum !== m.checksum)
      .map((m) => m.name),
  };
}

/** One connection for schema work, its failure named as a StoreError (shared with prepare-datastore.ts). */
export async function connect(connectionString: string, ssl?: pg.ConnectionConfig['ssl']): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, ssl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw connectionError(error, connectionString);
  }
  return client;
}

/** The migration status read over a connection (or pool) the caller already has. */
export async function migrationStatusOn(
  queryable: pg.ClientBase | pg.Pool,
  dir = defaultMigrationsDir(),
): Promise<MigrationStatus> {
  return compare(await readLocalMigrations(dir), await readApplied(queryable));
}

export async function migrationStatus(
  connectionString: string,
  dir = defaultMigrationsDir(),
  ssl?: pg.ConnectionConfig['ssl'],
): Promise<MigrationStatus> {
  const local = await readLocalMigrations(dir);
  const client = await connect(connectionString, ssl);
  try {
    return compare(local, await readApplied(client));
  } finally {
    await client.end();
  }
}

export interface ApplyOptions {
  dir?: string;
  log?: (line: string) => void;
}

/** Applies every pending migration. Returns the names applied. */
export async function applyMigrations(connectionString: string, options: ApplyOptions = {}): Promise<string[]> {
  const log = options.log ?? (() => {});
  const local = await readLocalMigrations(options.dir);
  const client = await connect(connectionString);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATION_LOCK]);
    const status = compare(local, await readApplied(client));
    if (status.unknown.length > 0) {
      throw new StoreError(
        'schema-newer',
        `the database has migration ${status.unknown.join(', ')} that this version does not know: a newer ` +
          `version migrated it; run that version, or point DATABASE_URL at another database (nothing was changed)`,
      );
    }
    if (status.failed.length > 0) {
      throw new StoreError(
        'schema-failed',
        `migration ${status.failed.join(', ')} failed in an earlier run and was never resolved; fix the database, ` +
          `then mark it with \`prisma migrate resolve\` (nothing was changed)`,
      );
    }
    for (const name of status.modified) log(`warning: migration ${name} was edited after it was applied`);
    // Up to date: nothing to create, so a role without CREATE (the app's) can check it too.
    if (status.pending.length === 0) return [];

    await client.query(CREATE_MIGRATIONS_TABLE);
    const applied: string[] = [];
    for (const migration of local.filter((m) => status.pending.includes(m.name))) {
      await client.query('BEGIN');
      try {
        const id = randomUUID();
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), 0)`,
          [id, migration.checksum, migration.name],
        );
        await client.query(migration.sql);
        await client.query(
          `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw new StoreError(
          'schema-apply',
          `migration ${migration.name} failed and was rolled back: ${(error as Error).message}`,
          { cause: error },
        );
      }
      applied.push(migration.name);
      log(`applied migration ${migration.name}`);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
}
