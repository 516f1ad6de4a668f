// Liveness plus what the console stands on, for /api/health and the Overview: the datastore
// through the store SDK (provider, where it is, a ping), its schema migrations when it is
// PostgreSQL (MongoDB has none), and the console's own PostgreSQL (users, sessions, audit log)
// when that is a database of its own (CONSOLE_DATABASE_URL; always so with MongoDB).
import { consoleDatabaseFromEnv, type ConsoleDatabaseConfig } from '@/lib/console-database/console-database';
import type { AppContext } from '@/lib/context/app-context';
import { configFromEnv, describeDataStoreTarget, type DataStoreConfig, type ProviderName } from '@/lib/store';
import {
  describePostgresTarget,
  migrationStatusOn,
  nvsentinelSchemaStatus,
  type MigrationStatus,
  type SchemaStatus,
} from '@/lib/store/postgres';

import { probePool } from './probe-pools';
import { settleWithin } from './settle-within';

/** How long each check waits: /api/health answers within this, whatever the databases do. */
export const HEALTH_CHECK_TIMEOUT_MS = 3_000;

/** A probe's answer is shared this long: a burst of requests costs the databases one probe. */
export const HEALTH_PROBE_TTL_MS = 2_000;

export type MigrationState = MigrationStatus & { upToDate: boolean };

export interface SystemHealth {
  status: 'ok' | 'degraded';
  checkedAt: string;
  uptimeSeconds: number;
  /** The datastore (NVSentinel's), as the store SDK reaches it. */
  database: {
    /** null when the datastore settings themselves are wrong (see error). */
    provider: ProviderName | null;
    /** Where it is, without credentials. */
    target: string;
    reachable: boolean;
    latencyMs?: number;
    error?: string;
  };
  /** NVSentinel's schema in the datastore (PostgreSQL only): read, never changed by the console. */
  schema?: SchemaStatus;
  /** The console's own migrations, when its tables live in the datastore's database (PostgreSQL only). */
  migrations?: MigrationState;
  /** The console's own PostgreSQL, when it is not the datastore (CONSOLE_DATABASE_URL). */
  consoleDatabase?: {
    target: string;
    reachable: boolean;
    latencyMs?: number;
    error?: string;
    migrations?: MigrationState;
  };
}

const roundMs = (started: number) => Math.round((performance.now() - started) * 10) / 10;

function migrationState(status: MigrationStatus): MigrationState {
  return {
    ...status,
    upToDate: status.pending.length === 0 && status.failed.length === 0 && status.unknown.length === 0,
  };
}

/** ok only when the datastore answers and every schema this console reads is up to date. */
export function judgeHealth(
  health: Omit<SystemHealth, 'status' | 'checkedAt' | 'uptimeSeconds'>,
): SystemHealth['status'] {
  if (!health.database.reachable || health.database.error) return 'degraded';
  if (health.database.provider === 'postgresql') {
    // A schema NVSentinel has not finished migrating still serves ('older'); one the console does not know does not.
    if (!health.schema || !['current', 'older'].includes(health.schema.state)) return 'degraded';
    if (!health.consoleDatabase && !health.migrations?.upToDate) return 'degraded';
  }
  const own = health.consoleDatabase;
  if (own && (!own.reachable || !own.migrations?.upToDate)) return 'degraded';
  return 'ok';
}

async function timed<T>(
  work: () => Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<{ value?: T; latencyMs?: number; error?: string }> {
  const started = performance.now();
  const settled = await settleWithin(work(), timeoutMs);
  if (settled.status === 'done') return { value: settled.value, latencyMs: roundMs(started) };
  if (settled.status === 'failed') return { error: settled.error.message };
  return { error: `${what} did not answer within ${timeoutMs / 1000} s` };
}

async function checkDatastore(
  context: AppContext,
  config: DataStoreConfig,
  consoleApart: boolean,
  timeoutMs: number,
): Promise<Pick<SystemHealth, 'database' | 'migrations' | 'schema'>> {
  const target = describeDataStoreTarget(config);
  const postgres = config.provider === 'postgresql' ? config : undefined;
  const [ping, schema, migrations] = await Promise.all([
    timed(async () => (await context.store()).ping(), timeoutMs, 'the datastore'),
    postgres
      ? timed(
          () => nvsentinelSchemaStatus(probePool(postgres.connectionString, postgres.ssl || undefined)),
          timeoutMs,
          'the datastore (schema)',
        )
      : Promise.resolve(null),
    postgres && !consoleApart
      ? timed(
          () => migrationStatusOn(probePool(postgres.connectionString, postgres.ssl || undefined)),
          timeoutMs,
          'the datastore (console migrations)',
        )
      : Promise.resolve(null),
  ]);
  const database: SystemHealth['database'] =
    ping.error === undefined
      ? { provider: config.provider, target, reachable: true, latencyMs: ping.latencyMs }
      : { provider: config.provider, target, reachable: false, error: ping.error };
  if (!schema) return { database };
  const result: Pick<SystemHealth, 'database' | 'migrations' | 'schema'> = { database };
  if (schema.value) result.schema = schema.value;
  if (migrations?.value) result.migrations = migrationState(migrations.value);
  // Reachable but the schema unreadable: say why, once.
  const unreadable = schema.error ?? migrations?.error;
  if (database.reachable && unreadable) database.error = `schema unreadable: ${unreadable}`;
  return result;
}

async function checkConsoleDatabase(
  connectionString: string,
  ssl: ConsoleDatabaseConfig['ssl'],
  timeoutMs: number,
): Promise<NonNullable<SystemHealth['consoleDatabase']>> {
  const target = describePostgresTarget(connectionString);
  const status = await timed(
    () => migrationStatusOn(probePool(connectionString, ssl)),
    timeoutMs,
    'the console database',
  );
  if (status.value)
    return { target, reachable: true, latencyMs: status.latencyMs, migrations: migrationState(status.value) };
  return { target, reachable: false, error: status.error };
}

/** The system's health now, over the context's datastore and the probes' own small pools. */
export async function probeSystemHealth(
  context: AppContext,
  timeoutMs = HEALTH_CHECK_TIMEOUT_MS,
): Promise<SystemHealth> {
  const base = { checkedAt: new Date().toISOString(), uptimeSeconds: Math.round(process.uptime()) };
  let config: DataStoreConfig;
  try {
    config = configFromEnv();
  } catch (error) {
    return {
      ...base,
      status: 'degraded',
      database: { provider: null, target: '(not configured)', reachable: false, error: (error as Error).message },
    };
  }
  let consoleDatabase: Promise<SystemHealth['consoleDatabase']> = Promise.resolve(undefined);
  if (process.env.CONSOLE_DATABASE_URL) {
    const settings = consoleDatabaseFromEnv();
    consoleDatabase = checkConsoleDatabase(settings.connectionString, settings.ssl, timeoutMs);
  }
  const [datastore, own] = await Promise.all([
    checkDatastore(context, config, Boolean(process.env.CONSOLE_DATABASE_URL), timeoutMs),
    consoleDatabase,
  ]);
  const parts = { ...datastore, ...(own ? { consoleDatabase: own } : {}) };
  return { ...base, status: judgeHealth(parts), ...parts };
}
