// The database a benchmark runs on: BENCH_DATABASE_URL when given, otherwise a fresh embedded
// PostgreSQL (default durability settings, so figures mean what they would in production).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';

import { EmbeddedDatabase } from '../../lib/embedded-database/embedded-database';
import { setUpOwnDatabase } from '../../lib/store/postgres';

/**
 * BENCH_COMMIT_ORDER=1: bench databases get the opt-in commit-order column, so the feed reads in
 * commit order; by default they hold NVSentinel's schema as it is and the feed reads in id order.
 */
const COMMIT_ORDER = process.env.BENCH_COMMIT_ORDER === '1';
import { freePort } from '../../tests/support/free-port';

export interface BenchDatabase {
  url: string;
  label: string;
  stop(): Promise<void>;
}

async function onServer(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A new empty database (migrations applied) on the bench database's server, for a measurement
 * that must start from an empty table whatever ran before it; `drop()` removes it.
 */
export async function freshDatabase(
  database: BenchDatabase,
  purpose: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_${purpose.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`;
  await onServer(database.url, `CREATE DATABASE ${name}`);
  const url = new URL(database.url);
  url.pathname = `/${name}`;
  await setUpOwnDatabase(url.toString(), { commitOrder: COMMIT_ORDER });
  return { url: url.toString(), drop: () => onServer(database.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function benchDatabase(): Promise<BenchDatabase> {
  if (process.env.BENCH_DATABASE_URL) {
    await setUpOwnDatabase(process.env.BENCH_DATABASE_URL, { commitOrder: COMMIT_ORDER });
    return { url: process.env.BENCH_DATABASE_URL, label: 'BENCH_DATABASE_URL', stop: async () => {} };
  }
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'console-bench-'));
  const server = new EmbeddedDatabase({ baseDir, port: await freePort() });
  await server.start();
  await setUpOwnDatabase(server.url, { commitOrder: COMMIT_ORDER });
  return {
    url: server.url,
    label: 'embedded PostgreSQL 18',
    stop: async () => {
      await server.stop();
      await rm(baseDir, { recursive: true, force: true });
    },
  };
}
