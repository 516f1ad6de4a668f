// The event search's statements on PostgreSQL, each stopped by the server after a time limit:
// `SET LOCAL statement_timeout` in a transaction of their own. The server cancels the statement
// itself (SQLSTATE 57014), so a grouping over millions of rows ends at the limit and frees its
// backend. node-postgres's `query_timeout` would not: it only stops waiting on the client side,
// while the server runs the statement to its end (and a client whose reader went away, a closed
// browser tab, never tells the server either). SET LOCAL lasts until the transaction ends, so a
// pooled connection goes back to the pool without the limit.
import type pg from 'pg';

import { SEARCH_TIMEOUT_MS, searchTimedOut } from '../../event-search';
import type { PostgresConnection } from './postgres-connection';

/** Runs one search statement on `client` (the transaction's). */
export type SearchQuery = <R extends pg.QueryResultRow>(text: string, values: unknown[]) => Promise<pg.QueryResult<R>>;

/** Whether the server stopped the statement at statement_timeout (not a cancel by hand). */
function stoppedAtTimeout(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === '57014' && /statement timeout/i.test(message ?? '');
}

/**
 * Runs `work`'s statements in one transaction whose every statement the server stops after
 * `timeoutMs`; a stopped one is the SDK's search-timeout StoreError.
 */
export async function searchStatements<T>(
  connection: PostgresConnection,
  operation: string,
  work: (query: SearchQuery) => Promise<T>,
  timeoutMs = SEARCH_TIMEOUT_MS,
): Promise<T> {
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new RangeError(`timeoutMs must be a whole number ≥ 1`);
  try {
    return await connection.transaction(operation, async (client) => {
      await client.query(`SET LOCAL statement_timeout = ${timeoutMs}`);
      return work(<R extends pg.QueryResultRow>(text: string, values: unknown[]) => client.query<R>(text, values));
    });
  } catch (error) {
    if (stoppedAtTimeout(error)) throw searchTimedOut(timeoutMs, error);
    throw error;
  }
}
