// `npm start` with bad settings: one line saying what is wrong and what to do, exit code 1,
// and nothing started or changed. (The happy path runs in the browser tests, which use it.)
import { spawn } from 'node:child_process';
import net from 'node:net';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { applyNvsentinelSchemaState } from '../../fixtures/nvsentinel/schema-states';
import { freePort } from '../../support/free-port';
import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

interface Outcome {
  code: number | null;
  errors: string[];
  output: string;
}

function runStart(env: Record<string, string>): Promise<Outcome> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: process.cwd(),
    env: { ...process.env, DATABASE_URL: '', PORT: '', EMBEDDED_PG_PORT: '', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      const errors = output.split('\n').filter((line) => line.startsWith('[start] error:'));
      resolve({ code, errors, output });
    });
  });
}

describe('npm start refuses bad settings clearly', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
  });

  afterAll(async () => {
    await database.drop();
  });

  it('a malformed DATABASE_URL', async () => {
    const outcome = await runStart({ DATABASE_URL: 'localhost:5432/nvsentinel' });
    expect(outcome.code).toBe(1);
    expect(outcome.errors).toEqual([
      '[start] error: DATABASE_URL must be a postgresql:// URL, e.g. postgresql://user:password@host:5432/nvsentinel (it starts with "localhost:")',
    ]);
  });

  it('an unreachable DATABASE_URL', async () => {
    const port = await freePort();
    const outcome = await runStart({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/nvsentinel` });
    expect(outcome.code).toBe(1);
    expect(outcome.errors).toEqual([
      `[start] error: cannot reach PostgreSQL at 127.0.0.1:${port}/nvsentinel: connection refused (is the server running, and are host and port right?)`,
    ]);
  });

  it('an invalid EMBEDDED_PG_PORT', async () => {
    const outcome = await runStart({ EMBEDDED_PG_PORT: 'fast' });
    expect(outcome.code).toBe(1);
    expect(outcome.errors).toEqual([
      '[start] error: EMBEDDED_PG_PORT must be a port number from 1 to 65535 (got "fast")',
    ]);
  });

  it('an invalid ALERT_WEBHOOK_ATTEMPTS, which would leave alerts off unseen', async () => {
    const outcome = await runStart({ ALERT_WEBHOOK_ATTEMPTS: 'lots' });
    expect(outcome.code).toBe(1);
    expect(outcome.errors).toEqual([
      '[start] error: ALERT_WEBHOOK_ATTEMPTS must be a whole number from 1 to 20 (got "lots")',
    ]);
  });

  it('a bad webhook allow-list or http switch, named with what to write instead', async () => {
    const cidr = await runStart({ ALERT_WEBHOOK_ALLOWED_HOSTS: 'hooks.slack.com, 10.0.0.1/8' });
    expect(cidr.code).toBe(1);
    expect(cidr.errors).toEqual([
      '[start] error: ALERT_WEBHOOK_ALLOWED_HOSTS: "10.0.0.1/8" has bits set past its /8: the network is 10.0.0.0/8 (a comma-separated list such as hooks.slack.com,10.0.0.0/8)',
    ]);
    const http = await runStart({ ALERT_WEBHOOK_ALLOW_HTTP: 'yes' });
    expect(http.code).toBe(1);
    expect(http.errors).toEqual(['[start] error: ALERT_WEBHOOK_ALLOW_HTTP must be true or false (got "yes")']);
  });

  it('a database migrated by a newer version: refused, nothing changed', async () => {
    await setUpOwnDatabase(database.url);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
       VALUES (gen_random_uuid()::text, repeat('0', 64), '29990101000000_newer', now(), 1)`,
    );
    const before = (await client.query('SELECT count(*)::int AS n FROM "_prisma_migrations"')).rows[0].n;
    const outcome = await runStart({ DATABASE_URL: database.url });
    const after = (await client.query('SELECT count(*)::int AS n FROM "_prisma_migrations"')).rows[0].n;
    await client.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = '29990101000000_newer'`);
    await client.end();
    expect(outcome.code).toBe(1);
    expect(outcome.errors).toHaveLength(1);
    expect(outcome.errors[0]).toMatch(
      /the database has migration 29990101000000_newer that this version does not know/,
    );
    expect(after).toBe(before);
  });

  it("NVSentinel's schema at a version newer than the console knows: refused in one line, nothing changed", async () => {
    const newer = await createTestDatabase(testServers()[0]);
    try {
      const client = new pg.Client({ connectionString: newer.url });
      await client.connect();
      await applyNvsentinelSchemaState(client, 3);
      await client.query(
        `INSERT INTO nvsentinel_schema_migrations (version, description) VALUES (4, 'a later release')`,
      );
      const tables = async () =>
        (await client.query(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`))
          .rows[0].n;
      const before = await tables();
      const outcome = await runStart({ DATABASE_URL: newer.url });
      const after = await tables();
      await client.end();
      expect(outcome.code).toBe(1);
      expect(outcome.errors).toEqual([
        '[start] error: NVSentinel schema version 4 is newer than this console knows (3): run a console built for it (nothing was changed)',
      ]);
      expect(after).toBe(before);
    } finally {
      await newer.drop();
    }
  });

  it('a dashboard port that is already taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const outcome = await runStart({ DATABASE_URL: database.url, PORT: String(port) });
    blocker.close();
    expect(outcome.code).toBe(1);
    expect(outcome.errors).toEqual([
      `[start] error: port ${port} is already in use; stop what uses it, or set PORT to a free port`,
    ]);
  });
});
