// Configuration from NVSentinel's environment variable names, so its deployments configure us
// unchanged: DATASTORE_PROVIDER, DATASTORE_HOST/PORT/DATABASE/USERNAME/PASSWORD/SSLMODE/SSLCERT/
// SSLKEY/SSLROOTCERT, or DATABASE_URL; MONGODB_* for MongoDB.
import { readFileSync } from 'node:fs';

import { StoreError } from '../errors/store-error';

/** Environment variables (process.env by default). */
export type Environment = Record<string, string | undefined>;

export interface PostgresConfig {
  provider: 'postgresql';
  connectionString: string;
  ssl?: { rejectUnauthorized: boolean; ca?: string; cert?: string; key?: string } | false;
  poolSize?: number;
  /**
   * The console database: where the SDK keeps its own tables (consumers and their positions, dead
   * letters, retention), so nothing of ours is written into NVSentinel's tables. CONSOLE_DATABASE_URL;
   * by default the datastore itself (a database the console set up, or one a DBA gave it a schema in).
   */
  consoleConnectionString?: string;
}

export interface MongoConfig {
  provider: 'mongodb';
  uri: string;
  databaseName: string;
  healthEventsCollection: string;
  maintenanceEventsCollection: string;
  tokensCollection: string;
  clientCertDir?: string;
  /** This project's collections (NVSentinel never reads them); defaults ConsoleDeadLetters, ConsoleConsumers. */
  deadLetterCollection?: string;
  consumersCollection?: string;
  /**
   * Turn on change-stream pre-images for the health and maintenance collections at open (MongoDB 6.0+,
   * needs collMod), so feeds deliver `before` for updates. Off: pre-images are used when already on.
   */
  enablePreImages?: boolean;
}

export type DataStoreConfig = PostgresConfig | MongoConfig;

const PROVIDER_ALIASES: Record<string, DataStoreConfig['provider']> = {
  postgresql: 'postgresql',
  postgres: 'postgresql',
  pg: 'postgresql',
  mongodb: 'mongodb',
  mongo: 'mongodb',
};

function readCert(env: Environment, name: string): string | undefined {
  const file = env[name];
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new StoreError('config', `${name} names ${file}, which cannot be read`);
  }
}

function postgresFromEnv(env: Environment): PostgresConfig {
  let connectionString = env.DATABASE_URL;
  if (!connectionString) {
    if (!env.DATASTORE_HOST)
      throw new StoreError(
        'config',
        'no PostgreSQL configured: set DATABASE_URL, or DATASTORE_HOST (with DATASTORE_PORT, DATASTORE_DATABASE, DATASTORE_USERNAME, DATASTORE_PASSWORD)',
      );
    const url = new URL('postgresql://localhost');
    url.hostname = env.DATASTORE_HOST;
    url.port = env.DATASTORE_PORT ?? '5432';
    url.pathname = `/${env.DATASTORE_DATABASE ?? 'nvsentinel'}`;
    if (env.DATASTORE_USERNAME) url.username = encodeURIComponent(env.DATASTORE_USERNAME);
    if (env.DATASTORE_PASSWORD) url.password = encodeURIComponent(env.DATASTORE_PASSWORD);
    connectionString = url.toString();
  }
  const sslMode = env.DATASTORE_SSLMODE;
  if (sslMode && !['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'].includes(sslMode)) {
    throw new StoreError(
      'config',
      `DATASTORE_SSLMODE must be one of disable, allow, prefer, require, verify-ca, verify-full (got "${sslMode}")`,
    );
  }
  const ssl =
    !sslMode || sslMode === 'disable' || sslMode === 'allow' || sslMode === 'prefer'
      ? undefined
      : {
          rejectUnauthorized: sslMode === 'verify-ca' || sslMode === 'verify-full',
          ca: readCert(env, 'DATASTORE_SSLROOTCERT'),
          cert: readCert(env, 'DATASTORE_SSLCERT'),
          key: readCert(env, 'DATASTORE_SSLKEY'),
        };
  const poolSize = env.DATASTORE_POOL_SIZE ? Number(env.DATASTORE_POOL_SIZE) : undefined;
  if (poolSize !== undefined && !(Number.isInteger(poolSize) && poolSize > 0 && poolSize <= 500)) {
    throw new StoreError(
      'config',
      `DATASTORE_POOL_SIZE must be a whole number from 1 to 500 (got "${env.DATASTORE_POOL_SIZE}")`,
    );
  }
  const consoleConnectionString = env.CONSOLE_DATABASE_URL?.trim() || undefined;
  return {
    provider: 'postgresql',
    connectionString,
    ssl,
    poolSize,
    ...(consoleConnectionString ? { consoleConnectionString } : {}),
  };
}

function mongoFromEnv(env: Environment): MongoConfig {
  if (!env.MONGODB_URI)
    throw new StoreError('config', 'DATASTORE_PROVIDER=mongodb needs MONGODB_URI (a replica set, for change streams)');
  return {
    provider: 'mongodb',
    uri: env.MONGODB_URI,
    databaseName: env.MONGODB_DATABASE_NAME ?? 'HealthEventsDatabase',
    healthEventsCollection: env.MONGODB_COLLECTION_NAME ?? 'HealthEvents',
    maintenanceEventsCollection: env.MONGODB_MAINTENANCE_EVENT_COLLECTION_NAME ?? 'MaintenanceEvents',
    tokensCollection: env.MONGODB_TOKEN_COLLECTION_NAME ?? 'ResumeTokens',
    clientCertDir: env.MONGODB_CLIENT_CERT_MOUNT_PATH,
    deadLetterCollection: env.MONGODB_DEAD_LETTER_COLLECTION_NAME,
    consumersCollection: env.MONGODB_CONSUMER_COLLECTION_NAME,
    enablePreImages: flag(env, 'MONGODB_ENABLE_PRE_IMAGES'),
  };
}

function flag(env: Environment, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (['1', 'true', 'on', 'yes'].includes(value)) return true;
  if (['0', 'false', 'off', 'no'].includes(value)) return false;
  throw new StoreError('config', `${name} must be true or false (got "${env[name]}")`);
}

/** Which provider the environment asks for: DATASTORE_PROVIDER, else MongoDB when MONGODB_URI is set without DATABASE_URL. */
export function datastoreProviderFromEnv(env: Environment = process.env): DataStoreConfig['provider'] {
  const requested = (
    env.DATASTORE_PROVIDER ?? (env.MONGODB_URI && !env.DATABASE_URL ? 'mongodb' : 'postgresql')
  ).toLowerCase();
  // Own keys only: "constructor" or "__proto__" must be refused, not found on Object.prototype.
  const provider = Object.hasOwn(PROVIDER_ALIASES, requested) ? PROVIDER_ALIASES[requested] : undefined;
  if (!provider)
    throw new StoreError(
      'config',
      `DATASTORE_PROVIDER must be postgresql or mongodb (got "${env.DATASTORE_PROVIDER}")`,
    );
  return provider;
}

export function configFromEnv(env: Environment = process.env): DataStoreConfig {
  return datastoreProviderFromEnv(env) === 'mongodb' ? mongoFromEnv(env) : postgresFromEnv(env);
}
