// Small pools for the health probes of this server process (NVSentinel's schema version, the
// console's migrations), one per database, opened on first use: a probe never opens a connection of
// its own, so no burst of /api/health requests can exhaust the datastore's connections.

import pg from 'pg';

const holder = globalThis as unknown as { sentinelProbePools?: Map<string, pg.Pool> };

export function probePool(connectionString: string, ssl?: pg.ConnectionConfig['ssl']): pg.Pool {
  holder.sentinelProbePools ??= new Map();
  let pool = holder.sentinelProbePools.get(connectionString);
  if (!pool) {
    pool = new pg.Pool({ connectionString, ssl, max: 2, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
    // A restart of the server must not crash the process through an idle client.
    pool.on('error', () => {});
    holder.sentinelProbePools.set(connectionString, pool);
  }
  return pool;
}
