// The provider's connection pool: every query goes through here, so connection failures become
// StoreErrors that name the server, a closed store refuses work clearly, and every operation's
// latency is recorded.
import pg from 'pg';

import { StoreError } from '../../errors/store-error';
import { OperationMetrics } from '../../metrics/operation-metrics';
import { connectionError } from './connection-error';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08006',
  '08001',
  '08003',
  '28P01',
  '28000',
  '3D000',
]);

export function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  const message = (error as Error)?.message ?? '';
  return (
    (code !== undefined && CONNECTION_CODES.has(code)) ||
    /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message)
  );
}

export interface PostgresConnectionOptions {
  connectionString: string;
  ssl?: pg.ConnectionConfig['ssl'];
  poolSize?: number;
}

export class PostgresConnection {
  readonly pool: pg.Pool;
  private closed = false;

  constructor(
    readonly options: PostgresConnectionOptions,
    readonly metrics = new OperationMetrics(),
  ) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      ssl: options.ssl,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client losing its server (a restart) must not crash the process; the next query
    // gets a fresh connection.
    this.pool.on('error', () => {});
  }

  get isClosed(): boolean {
    return this.closed;
  }

  assertOpen(): void {
    if (this.closed) throw new StoreError('closed', 'the datastore is closed; open a new one with openDataStore()');
  }

  translate(error: unknown): unknown {
    if (error instanceof StoreError) return error;
    if (isConnectionFailure(error)) return connectionError(error, this.options.connectionString);
    return error;
  }

  /** `statement` is SQL text, or a named statement ({name, text}) each connection plans once. */
  async query<R extends pg.QueryResultRow = Record<string, unknown>>(
    operation: string,
    statement: string | { name: string; text: string },
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    this.assertOpen();
    const config = typeof statement === 'string' ? { text: statement, values } : { ...statement, values };
    try {
      return await this.metrics.time(operation, () => this.pool.query<R>(config));
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Runs `work` in one transaction on one connection; rolls back on any error. */
  async transaction<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.metrics.time(operation, async () => {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        throw this.translate(error);
      }
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw this.translate(error);
      } finally {
        client.release();
      }
    });
  }

  /**
   * Runs `work` with a view of this connection whose queries all run in one REPEATABLE READ, READ
   * ONLY transaction on one pooled connection: every read sees the same committed data, as of the
   * first query (a consistent read of several tables and of the changelog's head together).
   */
  async readSnapshot<T>(operation: string, work: (snapshot: PostgresConnection) => Promise<T>): Promise<T> {
    return this.transaction(operation, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const run = async <R extends pg.QueryResultRow>(
        inner: string,
        statement: string | { name: string; text: string },
        values?: unknown[],
      ): Promise<pg.QueryResult<R>> => {
        const config = typeof statement === 'string' ? { text: statement, values } : { ...statement, values };
        try {
          return await this.metrics.time(inner, () => client.query<R>(config));
        } catch (error) {
          throw this.translate(error);
        }
      };
      // The same object in every other respect (options, metrics, translate): only query is bound.
      const snapshot = Object.create(this, { query: { value: run } }) as PostgresConnection;
      return work(snapshot);
    });
  }

  /**
   * One connection of its own, timed into the same metrics: for a reader that must not wait
   * behind the pool's other work (a change feed woken by a notification).
   */
  dedicated(): PostgresConnection {
    return new PostgresConnection({ ...this.options, poolSize: 1 }, this.metrics);
  }

  pooledConnections(): { total: number; idle: number; waiting: number; max: number } {
    return {
      total: this.pool.totalCount,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
      max: this.pool.options.max ?? 10,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
