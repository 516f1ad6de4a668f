// The console's own PostgreSQL: users, sessions and the audit log live here, never in NVSentinel's
// tables. By default it is the datastore itself when that is PostgreSQL (DATABASE_URL or
// DATASTORE_*; the embedded one under `npm start`); CONSOLE_DATABASE_URL names another, and is
// required when the datastore is MongoDB.
import pg from 'pg';

import { configFromEnv, type Environment } from '../store';
import { StoreError } from '../store';

export interface ConsoleDatabaseConfig {
  connectionString: string;
  ssl?: pg.ConnectionConfig['ssl'];
}

export function consoleDatabaseFromEnv(env: Environment = process.env): ConsoleDatabaseConfig {
  if (env.CONSOLE_DATABASE_URL) return { connectionString: env.CONSOLE_DATABASE_URL };
  const datastore = configFromEnv(env);
  if (datastore.provider !== 'postgresql') {
    throw new StoreError(
      'config',
      'the console keeps users, sessions and its audit log in PostgreSQL: set CONSOLE_DATABASE_URL when DATASTORE_PROVIDER is mongodb',
    );
  }
  return { connectionString: datastore.connectionString, ssl: datastore.ssl };
}

export function openConsolePool(config: ConsoleDatabaseConfig, max = 5): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    ssl: config.ssl,
    max,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // A restart of the server must not crash the process through an idle client.
  pool.on('error', () => {});
  return pool;
}

const holder = globalThis as unknown as { sentinelConsolePool?: pg.Pool };

/**
 * The console database pool of this server process, opened on first use; on globalThis so that
 * proxy.ts, route handlers and Next dev reloads share one pool.
 */
export function sharedConsolePool(): pg.Pool {
  holder.sentinelConsolePool ??= openConsolePool(consoleDatabaseFromEnv());
  return holder.sentinelConsolePool;
}
