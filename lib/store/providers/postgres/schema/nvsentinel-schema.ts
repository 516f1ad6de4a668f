// NVSentinel's PostgreSQL schema as the console finds it, and its creation on an empty database.
//
// NVSentinel manages its own schema (versioned migrations recorded in nvsentinel_schema_migrations,
// applied by a job with a DDL role; its applications have DML rights only). So the console never
// changes a database that already holds NVSentinel's tables: it reads the version, refuses one newer
// than it knows, and says what an older one lacks. Only on a database with none of NVSentinel's
// tables (the embedded default, a fresh test database) does it create them, from ./nvsentinel/,
// exactly as NVSentinel's migrations 00001-00003 do, recording those versions.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import type pg from 'pg';

import { StoreError } from '../../../errors/store-error';

/**
 * Left on nvsentinel_schema_migrations when the console created NVSentinel's schema in an empty
 * database: that database is the console's own (its tables go beside NVSentinel's, and it may be
 * completed later). A database NVSentinel set up never carries it.
 */
export const CREATED_BY_CONSOLE = 'NVSentinel schema created by Sentinel Console in an empty database';

/** The newest schema version this console was built for (NVSentinel's RequiredSchemaVersion). */
export const KNOWN_SCHEMA_VERSION = 3;

const NVSENTINEL_TABLES = ['health_events', 'maintenance_events', 'datastore_changelog', 'resume_tokens'] as const;

export interface NvsentinelSchema {
  /** Which of NVSentinel's four tables exist. */
  tables: string[];
  /**
   * Highest version in nvsentinel_schema_migrations; null when that table is missing (a database an
   * older NVSentinel created at start-up with its runtime createTables()).
   */
  version: number | null;
  /** The change-log trigger notifies 'nvsentinel_changes' (version 2 on): without it the feed polls. */
  notifies: boolean;
  /** The opt-in commit-order column (opt-in/sentinel-console-0001): the feed reads in commit order. */
  commitOrderColumn: boolean;
}

export type SchemaVerdict =
  | { state: 'empty' }
  | { state: 'current'; schema: NvsentinelSchema }
  | { state: 'older'; schema: NvsentinelSchema; missing: string }
  | { state: 'newer'; schema: NvsentinelSchema }
  | { state: 'incomplete'; schema: NvsentinelSchema };

export async function readNvsentinelSchema(client: pg.ClientBase | pg.Pool): Promise<NvsentinelSchema> {
  const tables = await client.query<{ name: string }>(
    `SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL`,
    [NVSENTINEL_TABLES],
  );
  const present = tables.rows.map((row) => row.name);
  // Two statements: a table name is resolved when the statement is parsed.
  const hasVersions = await client.query<{ present: boolean }>(
    `SELECT to_regclass('nvsentinel_schema_migrations') IS NOT NULL AS present`,
  );
  let version: number | null = null;
  if (hasVersions.rows[0].present) {
    const result = await client.query<{ version: string | null }>(
      `SELECT max(version)::text AS version FROM nvsentinel_schema_migrations`,
    );
    version = Number(result.rows[0].version ?? 0);
  }
  const facts = await client.query<{ notifies: boolean; txid: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'log_table_changes' AND prosrc LIKE '%pg_notify%') AS notifies,
            EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('datastore_changelog')
                      AND attname = 'txid' AND NOT attisdropped) AS txid`,
  );
  return { tables: present, version, notifies: facts.rows[0].notifies, commitOrderColumn: facts.rows[0].txid };
}

/** What the console makes of the schema it found. */
export function judgeSchema(schema: NvsentinelSchema): SchemaVerdict {
  if (schema.tables.length === 0 && schema.version === null) return { state: 'empty' };
  if (schema.tables.length < NVSENTINEL_TABLES.length) return { state: 'incomplete', schema };
  if (schema.version !== null && schema.version > KNOWN_SCHEMA_VERSION) return { state: 'newer', schema };
  if (schema.version === KNOWN_SCHEMA_VERSION) return { state: 'current', schema };
  const missing =
    schema.version === null
      ? "no schema version (created by an older NVSentinel at start-up): run NVSentinel's migration job to adopt it"
      : `schema version ${schema.version}; NVSentinel ${KNOWN_SCHEMA_VERSION} needs version ${KNOWN_SCHEMA_VERSION}: run NVSentinel's migration job`;
  return {
    state: 'older',
    schema,
    missing: schema.notifies
      ? missing
      : `${missing} (its change-log trigger does not notify: the console's feed polls every 2 s)`,
  };
}

/** One line for a person: what the schema is and what the console does with it. */
export function describeSchemaVerdict(verdict: SchemaVerdict): string {
  switch (verdict.state) {
    case 'empty':
      return 'no NVSentinel schema';
    case 'current':
      return `NVSentinel schema version ${verdict.schema.version}`;
    case 'older':
      return verdict.missing;
    case 'newer':
      return `NVSentinel schema version ${verdict.schema.version} is newer than this console knows (${KNOWN_SCHEMA_VERSION}): run a console built for it`;
    case 'incomplete':
      return `only part of NVSentinel's schema is there (${verdict.schema.tables.join(', ') || 'no table'} of ${NVSENTINEL_TABLES.join(', ')}): not a database NVSentinel set up`;
  }
}

/** Throws, naming what is wrong, when the console cannot work on this schema. */
export function assertUsableSchema(verdict: SchemaVerdict): void {
  if (verdict.state === 'newer' || verdict.state === 'incomplete') {
    throw new StoreError('schema-unsupported', `${describeSchemaVerdict(verdict)} (nothing was changed)`);
  }
}

export function nvsentinelMigrationsDir(): string {
  return path.join(import.meta.dirname, 'nvsentinel');
}

/** The SQL file of the opt-in commit-order migration, for a DBA (and for tests). */
export function commitOrderMigrationFile(): string {
  return path.join(import.meta.dirname, 'opt-in', 'sentinel-console-0001_changelog_commit_order.sql');
}

/**
 * Statements of a file run outside a transaction, one by one, as `psql -f` sends them (a string
 * of several statements is one implicit transaction, where CREATE INDEX CONCURRENTLY fails).
 * Splits on semicolons at the end of a line, outside $$ bodies; comments go with their statement.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let inBody = false;
  for (const line of sql.split('\n')) {
    current += `${line}\n`;
    inBody = (line.match(/\$\$/g)?.length ?? 0) % 2 === 1 ? !inBody : inBody;
    if (!inBody && /;\s*$/.test(line) && !/^\s*--/.test(line)) {
      statements.push(current.trim());
      current = '';
    }
  }
  if (current.replace(/--.*$/gm, '').trim()) statements.push(current.trim());
  return statements;
}

/** Applies one migration file: as one string, or statement by statement when it says so. */
export async function applySqlFile(client: pg.ClientBase, sql: string): Promise<void> {
  if (!sql.includes('nvsentinel:no-transaction')) {
    await client.query(sql);
    return;
  }
  for (const statement of splitStatements(sql)) await client.query(statement);
}

/**
 * Creates NVSentinel's schema (versions 1-3) on a database that holds none of it; returns the
 * versions applied. Refuses any other database: the console never migrates NVSentinel's schema.
 */
export async function createNvsentinelSchema(
  client: pg.ClientBase,
  log: (line: string) => void = () => {},
): Promise<number[]> {
  const verdict = judgeSchema(await readNvsentinelSchema(client));
  if (verdict.state !== 'empty') {
    throw new StoreError(
      'schema-exists',
      `the database already holds NVSentinel's schema (${describeSchemaVerdict(verdict)}); the console does not change it`,
    );
  }
  const dir = nvsentinelMigrationsDir();
  const files = (await readdir(/*turbopackIgnore: true*/ dir)).filter((name) => /^\d{5}_.*\.sql$/.test(name)).sort();
  const applied: number[] = [];
  for (const file of files) {
    const sql = await readFile(/*turbopackIgnore: true*/ path.join(dir, file), 'utf8');
    try {
      await applySqlFile(client, sql);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw new StoreError(
        'schema-apply',
        `creating NVSentinel's schema failed at ${file}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    applied.push(Number(file.slice(0, 5)));
    log(`created NVSentinel's schema version ${Number(file.slice(0, 5))} (${file})`);
  }
  await client.query(`COMMENT ON TABLE nvsentinel_schema_migrations IS '${CREATED_BY_CONSOLE}'`);
  return applied;
}

/** Applies the opt-in commit-order migration (a DBA's step; tests and the embedded demo's --commit-order flag use it). */
export async function applyCommitOrderMigration(client: pg.ClientBase): Promise<void> {
  await applySqlFile(client, await readFile(/*turbopackIgnore: true*/ commitOrderMigrationFile(), 'utf8'));
}

export interface SchemaStatus {
  state: SchemaVerdict['state'];
  version: number | null;
  commitOrderColumn: boolean;
  /** One line for a person (describeSchemaVerdict). */
  description: string;
}

/** NVSentinel's schema of a database, read over a connection (or pool) the caller has (health checks). */
export async function nvsentinelSchemaStatus(queryable: pg.ClientBase | pg.Pool): Promise<SchemaStatus> {
  const schema = await readNvsentinelSchema(queryable);
  const verdict = judgeSchema(schema);
  return {
    state: verdict.state,
    version: schema.version,
    commitOrderColumn: schema.commitOrderColumn,
    description: describeSchemaVerdict(verdict),
  };
}
