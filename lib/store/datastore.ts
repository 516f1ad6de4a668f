// The one provider-agnostic entry point of the store SDK.
import type { ChangeFeed, ChangeFeedOptions, StartPosition } from './feed/change-feed';
import type { ConsumerLagFigures } from './feed/consumer-lag';
import type { DeadLetterStore } from './feed/dead-letter-store';
import type { HealthEventStore } from './health-event-store';
import type { MaintenanceEventStore } from './maintenance-event-store';
import type { OperationLatency, OperationObserver } from './metrics/operation-metrics';

export type ProviderName = 'postgresql' | 'mongodb';

/** What a provider can do, named explicitly (never detected by type sniffing). */
export interface ProviderCapabilities {
  /** Retention removes changelog rows consumers have passed (PostgreSQL). */
  changelogRetention: boolean;
  /** Documents behind is an exact count (PostgreSQL) rather than an estimate (MongoDB). */
  exactDocumentsBehind: boolean;
}

export interface ConsumerRegistry {
  /** Makes a consumer known; its first feed starts at the beginning or at the head. Idempotent. */
  register(name: string, options?: { startAt?: StartPosition }): Promise<void>;
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

export interface ProviderStats {
  provider: ProviderName;
  operations: OperationLatency[];
  pool: { total: number; idle: number; waiting: number; max: number };
  /** PostgreSQL: changelog rows and the oldest one; MongoDB: the oplog window. */
  changeLog: { rows: number; oldestAt: Date | null; holdBackSeconds?: number; heldBackRows?: number } | null;
}

export interface DataStore {
  readonly provider: ProviderName;
  readonly capabilities: ProviderCapabilities;
  healthEvents(): HealthEventStore;
  maintenanceEvents(): MaintenanceEventStore;
  consumers(): ConsumerRegistry;
  deadLetters(): DeadLetterStore;
  /** The change feed of a registered consumer. One open feed per consumer per DataStore. */
  changes(consumer: string, options?: ChangeFeedOptions): Promise<ChangeFeed>;
  /** Removes changelog rows every consumer has passed, and rows older than maxAgeMs regardless. */
  retainChangelog?(options: { maxAgeMs: number }): Promise<ChangelogRetentionResult>;
  stats(): Promise<ProviderStats>;
  /** Hands `observer` every store operation (name, duration, failure) from now on; returns the unsubscribe. */
  observeOperations(observer: OperationObserver): () => void;
  ping(): Promise<{ latencyMs: number }>;
  close(): Promise<void>;
}
