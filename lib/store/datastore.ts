// The one provider-agnostic entry point of the store SDK.
import type { ChangeFeed, ChangeFeedOptions, ConsumerPositionStore, StartPosition } from './feed/change-feed';
import type { ConsumerLagFigures } from './feed/consumer-lag';
import type { DeadLetterStore } from './feed/dead-letter-store';
import type { HealthEventStore } from './health-event-store';
import type { MaintenanceEventStore } from './maintenance-event-store';
import type { NodeStateRead, NodeStateReadOptions } from './node-state-read';
import type { OperationLatency, OperationObserver } from './metrics/operation-metrics';

export type ProviderName = 'postgresql' | 'mongodb';

/** What a provider can do, named explicitly (never detected by type sniffing). */
export interface ProviderCapabilities {
  /** Retention removes changelog rows consumers have passed (PostgreSQL). */
  changelogRetention: boolean;
  /**
   * Documents behind is counted (PostgreSQL: exact for the first 1,000 behind, an estimate flagged
   * documentsBehindEstimated past that) rather than always an estimate (MongoDB).
   */
  exactDocumentsBehind: boolean;
  /**
   * Updates and deletes in the change feed carry `before` (the document as it was). PostgreSQL:
   * always (the changelog keeps the old row). MongoDB: only when change-stream pre-images are on
   * for both watched collections (MongoDB 6.0+, MONGODB_ENABLE_PRE_IMAGES), as found at open;
   * otherwise `before` is null and a consumer must judge from the document alone.
   */
  beforeImages: boolean;
}

export interface ConsumerRegistry {
  /** Makes a consumer known; its first feed starts at the beginning or at the head. Idempotent. */
  register(name: string, options?: { startAt?: StartPosition; positionStore?: ConsumerPositionStore }): Promise<void>;
  /** After a lost position: start again, explicitly, from the oldest change kept or from now. */
  restart(name: string, options: { startAt: StartPosition }): Promise<void>;
  names(): Promise<string[]>;
  /** One reading of every consumer's lag (judge it over time with ConsumerLagMonitor). */
  lag(): Promise<ConsumerLagFigures[]>;
}

export interface ChangelogRetentionResult {
  removedRows: number;
  /** Consumers marked position lost because rows they had not read were older than maxAge. */
  lostConsumers: string[];
}

/**
 * Where the provider keeps the changes its feeds read, and how far back they reach: a consumer
 * stopped for longer than that loses its position. Provider-neutral: `kind` says which one,
 * `label` is what to call it on a page.
 */
export type FeedStorageStats = ChangelogStorageStats | OplogStorageStats;

/** PostgreSQL: the `datastore_changelog` table NVSentinel's trigger fills. */
export interface ChangelogStorageStats {
  kind: 'changelog';
  label: 'Changelog';
  /** Rows in the table (the planner's estimate, refreshed by ANALYZE). */
  rows: number;
  oldestAt: Date | null;
  /** Age of the oldest open writing transaction on the server: the feed's horizon waits for it (0: none). */
  holdBackSeconds: number;
  /** Changelog rows written after that transaction began (feeds deliver 64 transactions of them ahead, then wait). */
  heldBackRows: number;
}

/** MongoDB: the replica set's oplog (`local.oplog.rs`), what change streams read. */
export interface OplogStorageStats {
  kind: 'oplog';
  label: 'Oplog window';
  /** False when this user may not read `local.oplog.rs` (needs clusterMonitor, or read on `local`): nothing else is known. */
  readable: boolean;
  /** Entries in the oplog (the collection's count estimate). */
  entries: number | null;
  oldestAt: Date | null;
  newestAt: Date | null;
  /** newest - oldest: how long a consumer may stop before its position falls out of the oplog. */
  windowSeconds: number | null;
  /** Bytes the oplog uses, and the most it may use before it drops its oldest entries. */
  sizeBytes: number | null;
  maxSizeBytes: number | null;
}

export interface ProviderStats {
  provider: ProviderName;
  operations: OperationLatency[];
  pool: { total: number; idle: number; waiting: number; max: number };
  feedStorage: FeedStorageStats;
}

export interface DataStore {
  readonly provider: ProviderName;
  /** Where it is, without credentials: PostgreSQL `host:port/database`, MongoDB `hosts/database`. */
  readonly target: string;
  readonly capabilities: ProviderCapabilities;
  healthEvents(): HealthEventStore;
  maintenanceEvents(): MaintenanceEventStore;
  consumers(): ConsumerRegistry;
  deadLetters(): DeadLetterStore;
  /** The change feed of a registered consumer. One open feed per consumer per DataStore. */
  changes(consumer: string, options?: ChangeFeedOptions): Promise<ChangeFeed>;
  /** The node projection's inputs and the feed checkpoint they were read at, as one consistent read. */
  readNodeState(options?: NodeStateReadOptions): Promise<NodeStateRead>;
  /** Removes changelog rows every consumer has passed, and rows older than maxAgeMs regardless. */
  retainChangelog?(options: { maxAgeMs: number }): Promise<ChangelogRetentionResult>;
  stats(): Promise<ProviderStats>;
  /** Hands `observer` every store operation (name, duration, failure) from now on; returns the unsubscribe. */
  observeOperations(observer: OperationObserver): () => void;
  ping(): Promise<{ latencyMs: number }>;
  close(): Promise<void>;
}
