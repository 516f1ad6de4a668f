// The store SDK's public surface. Framework-free: usable from the app, the simulator, the
// benchmarks and any Node service.
import { configFromEnv, datastoreProviderFromEnv, type DataStoreConfig } from './config/datastore-config';
import { describeDataStoreTarget } from './config/describe-target';
import type { DataStore } from './datastore';
import { providerFactory, registerProvider } from './provider-registry';
import { openMongoDataStore } from './providers/mongodb/open-mongo-datastore';
import { openPostgresDataStore } from './providers/postgres/postgres-datastore';

registerProvider('postgresql', openPostgresDataStore);
registerProvider('mongodb', openMongoDataStore);

/** Opens a datastore from a config, or from NVSentinel's environment variables when none is given. */
export function openDataStore(config: DataStoreConfig = configFromEnv()): Promise<DataStore> {
  return providerFactory(config.provider)(config);
}

export { configFromEnv, datastoreProviderFromEnv, describeDataStoreTarget, registerProvider };
export type { DataStoreConfig, Environment, MongoConfig, PostgresConfig } from './config/datastore-config';
export type {
  ChangelogRetentionResult,
  ChangelogStorageStats,
  ConsumerRegistry,
  DataStore,
  FeedStorageStats,
  OplogStorageStats,
  ProviderCapabilities,
  ProviderName,
  ProviderStats,
} from './datastore';
export { StoreError, ValidationError } from './errors';
export { storeErrorCode } from './errors/store-error';
export { byBucketThenKeys, throughputGroups } from './throughput-request';
export type { StoreErrorCode } from './errors';
export type {
  ChangeEvent,
  Collection,
  FeedPosition,
  HealthEventChange,
  MaintenanceEventChange,
  Operation,
} from './feed/change-event';
export type {
  ChangeFeed,
  ChangeFeedOptions,
  ConsumerPositionStore,
  FeedCheckpoint,
  FeedState,
  StartPosition,
} from './feed/change-feed';
export { ConsumerLagMonitor, judgeConsumer, DEFAULT_LAG_WINDOW } from './feed/consumer-lag';
export type { ConsumerLag, ConsumerLagFigures, ConsumerStatus, LagSample, LagWindow } from './feed/consumer-lag';
export type { DeadLetter, DeadLetterStatus, DeadLetterStore } from './feed/dead-letter-store';
export { EventProcessor } from './feed/event-processor';
export type { ChangeHandler, EventProcessorOptions, ProcessorMetrics } from './feed/event-processor';
export type * from './health-event-store';
export type { MaintenanceEventStore } from './maintenance-event-store';
export type { NodeStateRead, NodeStateReadOptions } from './node-state-read';
export { toCheckLatest } from './model/check-latest';
export type { CheckLatest } from './model/check-latest';
export { COUNT_DIMENSIONS, countSeverity } from './model/event-count';
export type { CountDimension, CountSeverity, EventCount, EventCountRequest } from './model/event-count';
export * from './model/enums';
export type * from './model/health-event';
export { initialStatus } from './model/health-event';
export type { MaintenanceEvent } from './model/maintenance-event';
export { toHealthEventWithStatus } from './model/new-health-event';
export type { NewHealthEvent } from './model/new-health-event';
export { dateToTimestamp, timestampToDate } from './model/timestamp';
export type { Timestamp } from './model/timestamp';
export type { OperationLatency, OperationObserver, OperationSample } from './metrics/operation-metrics';
