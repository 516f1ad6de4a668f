// Where a configured datastore is, without credentials, before (or without) opening it: what
// health checks and pages show when the store cannot be reached. An open store says the same
// through DataStore.target.
import { describeTarget as describeMongoTarget } from '../providers/mongodb/mongo-errors';
import { describeTarget as describePostgresTarget } from '../providers/postgres/connection-error';
import type { DataStoreConfig } from './datastore-config';

/** PostgreSQL `host:port/database`; MongoDB `hosts/database`. */
export function describeDataStoreTarget(config: DataStoreConfig): string {
  return config.provider === 'mongodb'
    ? describeMongoTarget(config.uri, config.databaseName)
    : describePostgresTarget(config.connectionString);
}
