// Starts the PostgreSQL servers the integration suites run against, once per test run:
//   - an embedded PostgreSQL 18 in a fresh temporary folder (always);
//   - the machine's PostgreSQL (127.0.0.1:5432 by default, SYSTEM_PG_URL to change) when it answers.
// Each suite then creates its own fresh database on each server (see test-databases.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';
import type { TestProject } from 'vitest/node';

import { EmbeddedDatabase } from '../../lib/embedded-database/embedded-database';
import { freePort } from './free-port';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresServers: { name: string; adminUrl: string }[];
  }
}

const SYSTEM_PG_URL = process.env.SYSTEM_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

async function systemServerReachable(): Promise<boolean> {
  if (process.env.SKIP_SYSTEM_PG === '1') return false;
  const client = new pg.Client({ connectionString: SYSTEM_PG_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject) {
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'console-test-pg-'));
  const embedded = new EmbeddedDatabase({
    baseDir,
    port: await freePort(),
    database: 'postgres',
    // Durability is not under test here; speed is welcome on a 2-core machine.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  await embedded.start();
  const servers = [{ name: 'embedded-pg18', adminUrl: embedded.urlFor('postgres') }];
  if (await systemServerReachable()) {
    servers.push({ name: 'system-pg', adminUrl: SYSTEM_PG_URL });
  } else {
    console.warn(`\nSKIPPED: integration suites on the machine's PostgreSQL (${SYSTEM_PG_URL} not reachable)\n`);
  }
  project.provide('postgresServers', servers);

  return async () => {
    await embedded.stop();
    await rm(baseDir, { recursive: true, force: true });
  };
}
