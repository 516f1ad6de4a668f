// The migration runner refuses what it must refuse, with one clear line, and touches nothing then.
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, cp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { StoreError } from '@/lib/store/errors/store-error';
import { parsePostgresUrl } from '@/lib/store/providers/postgres/connection-error';
import {
  applyMigrations,
  migrationStatus,
  readLocalMigrations,
} from '@/lib/store/providers/postgres/schema/migration-runner';

import { freePort } from '../../support/free-port';
import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

const server = testServers()[0];

async function tableNames(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    return rows.rows.map((row) => row.tablename);
  } finally {
    await client.end();
  }
}

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

describe('migration runner', () => {
  let database: TestDatabase;
  let scratch: string;

  beforeEach(async () => {
    database = await createTestDatabase(server);
    scratch = await mkdtemp(path.join(os.tmpdir(), 'console-migrations-'));
  });

  afterEach(async () => {
    await database.drop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('computes the checksum Prisma records: sha256 of migration.sql', async () => {
    await mkdir(path.join(scratch, '20260101000000_one'));
    await writeFile(path.join(scratch, '20260101000000_one', 'migration.sql'), 'CREATE TABLE one (id int);\n');
    const [migration] = await readLocalMigrations(scratch);
    const expected = execFileSync('sha256sum', [path.join(scratch, '20260101000000_one', 'migration.sql')], {
      encoding: 'utf8',
    });
    expect(migration.checksum).toBe(expected.split(' ')[0]);
  });

  it('refuses a database migrated by a newer version, before applying anything', async () => {
    await applyMigrations(database.url);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
       VALUES (gen_random_uuid()::text, repeat('0', 64), '29990101000000_from_the_future', now(), 1)`,
    );
    await client.end();
    // A local folder with one more (pending) migration than the database has.
    await cp(path.join(process.cwd(), 'prisma', 'migrations'), scratch, { recursive: true });
    await mkdir(path.join(scratch, '20991231000000_pending'));
    await writeFile(
      path.join(scratch, '20991231000000_pending', 'migration.sql'),
      'CREATE TABLE should_not_exist (id int);',
    );

    const error = await rejection(applyMigrations(database.url, { dir: scratch }));
    expect(error.code).toBe('schema-newer');
    expect(error.message).toContain('29990101000000_from_the_future');
    expect(error.message).toContain('nothing was changed');
    expect(await tableNames(database.url)).not.toContain('should_not_exist');
  });

  it('rolls a failing migration back completely and records nothing', async () => {
    await mkdir(path.join(scratch, '20260101000000_good'));
    await writeFile(path.join(scratch, '20260101000000_good', 'migration.sql'), 'CREATE TABLE good (id int);');
    await mkdir(path.join(scratch, '20260102000000_bad'));
    await writeFile(
      path.join(scratch, '20260102000000_bad', 'migration.sql'),
      'CREATE TABLE half (id int);\nSELECT no_such_function();',
    );

    const error = await rejection(applyMigrations(database.url, { dir: scratch }));
    expect(error.code).toBe('schema-apply');
    expect(error.message).toMatch(/20260102000000_bad failed and was rolled back: .*no_such_function/);
    const tables = await tableNames(database.url);
    expect(tables).toContain('good');
    expect(tables).not.toContain('half');
    const status = await migrationStatus(database.url, scratch);
    expect(status).toMatchObject({ applied: ['20260101000000_good'], pending: ['20260102000000_bad'], failed: [] });
  });

  it('refuses to continue past a migration Prisma left failed', async () => {
    await mkdir(path.join(scratch, '20260101000000_good'));
    await writeFile(path.join(scratch, '20260101000000_good', 'migration.sql'), 'CREATE TABLE good (id int);');
    await applyMigrations(database.url, { dir: scratch });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, applied_steps_count)
       VALUES (gen_random_uuid()::text, repeat('0', 64), '20260101000000_good_failed_elsewhere', 'boom', 0)`,
    );
    await client.end();
    const error = await rejection(applyMigrations(database.url, { dir: scratch }));
    expect(error.code).toBe('schema-failed');
  });

  it('explains an unreachable server and a malformed URL in one line', async () => {
    const port = await freePort();
    const unreachable = await rejection(applyMigrations(`postgresql://postgres@127.0.0.1:${port}/nvsentinel`));
    expect(unreachable.code).toBe('unreachable');
    expect(unreachable.message).toBe(
      `cannot reach PostgreSQL at 127.0.0.1:${port}/nvsentinel: connection refused (is the server running, and are host and port right?)`,
    );
    expect(() => parsePostgresUrl('not a url')).toThrow(/DATABASE_URL is not a valid URL/);
    expect(() => parsePostgresUrl('mysql://root@localhost/db')).toThrow(/must be a postgresql:\/\/ URL/);
    const missingDatabase = new URL(server.adminUrl);
    missingDatabase.pathname = '/no_such_database_here';
    const noDatabase = await rejection(applyMigrations(missingDatabase.toString()));
    expect(noDatabase.code).toBe('no-database');
  });
});
