// The store SDK's second front door: tools for PostgreSQL alone, beside the provider-agnostic
// API of ./index.ts (as kysely keeps `kysely/helpers/postgres` apart from its core). The console's
// launcher, its health probes, the simulator's backfill and the benchmarks use these; nothing
// outside lib/store reaches into the provider's files.
export { describeTarget as describePostgresTarget, parsePostgresUrl } from './providers/postgres/connection-error';
export { copyLine, copyRows, type CopyValue } from './providers/postgres/copy-rows';
export { CHANGE_CHANNEL } from './providers/postgres/feed/notification-listener';
export {
  encodeDocument,
  encodeHealthEvent as healthEventJson,
  insertColumns,
} from './providers/postgres/health-event-codec';
export { QUARANTINE_DECISIONS_BEFORE_SQL, QUARANTINE_HISTORY_SQL } from './providers/postgres/health-event-sql';
export {
  HISTORY_COLUMNS,
  historyCopyText,
  loadHistory,
  rebuildableIndexes,
  restoreMissingIndexes,
  type DroppedIndex,
  type HistoryLoadOptions,
  type HistoryLoadResult,
  type HistorySource,
} from './providers/postgres/history-load';
export {
  applyMigrations,
  connect,
  migrationStatusOn,
  type MigrationStatus,
} from './providers/postgres/schema/migration-runner';
export {
  describeSchemaVerdict,
  nvsentinelSchemaStatus,
  type SchemaStatus,
} from './providers/postgres/schema/nvsentinel-schema';
export { prepareDatastore, setUpOwnDatabase, withSearchPath } from './providers/postgres/schema/prepare-datastore';
