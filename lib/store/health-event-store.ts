// Reads and writes of health events, the same for every provider.
// Filters and updates take the values this SDK knows (the *Name types); reads return the model,
// where a value it does not know is `unknown(<raw>)`.
import type { EvictionStatusName, QuarantineStatusName, RecommendedActionName } from './model/enums';
import type { CheckLatest } from './model/check-latest';
import type { NodeEventGroups, NodeGroupRequest } from './event-search';
export type { NodeEventGroup, NodeEventGroups, NodeGroupRequest } from './event-search';
import type { Entity, HealthEventWithStatus } from './model/health-event';
import type { NewHealthEvent } from './model/new-health-event';
import type { Timestamp } from './model/timestamp';

export interface HealthEventFilter {
  nodeName?: string;
  agent?: string;
  checkName?: string;
  componentClass?: string;
  isFatal?: boolean;
  isHealthy?: boolean;
  /** `null` matches events fault-quarantine has not processed. */
  nodeQuarantined?: QuarantineStatusName | null;
  /** `''` matches events node-drainer has not looked at. */
  evictionStatus?: (EvictionStatusName | '')[];
  /** `null` matches events fault-remediation has not processed. */
  faultRemediated?: boolean | null;
  recommendedAction?: RecommendedActionName[];
  /** Events whose errorCode list holds this code (an XID such as "79", stored as text). */
  errorCode?: string;
  /** Events whose entitiesImpacted holds this entity (type and value exactly: GPU and 3). */
  entity?: Entity;
  /** Node names that start with this text (`nodeName` is the whole name). */
  nodePrefix?: string;
  /** Stored at or after (inclusive). */
  from?: Date;
  /** Stored before (exclusive). */
  to?: Date;
}

/** Keyset cursor: newest first, so the next page starts strictly before this event. */
export interface PageCursor {
  createdAt: string;
  recordId: string;
}

export interface Page<T> {
  items: T[];
  /** Present when more items exist. */
  next?: PageCursor;
}

export interface PageRequest {
  limit?: number;
  after?: PageCursor;
}

export type BucketKey = 'none' | 'agent' | 'checkName' | 'componentClass' | 'isFatal';

export interface ThroughputRequest {
  from: Date;
  to: Date;
  bucketSeconds: number;
  /**
   * The field to count by, or several (distinct): then each bucket is counted per combination of
   * their values, in one pass over the events, and each row's `keys` holds the values in this
   * order. `['agent', 'isFatal']` gives both the agent series (sum the rows by `key`) and the
   * fatal series (sum them by `keys[1]`) for the price of one.
   */
  groupBy?: BucketKey | readonly BucketKey[];
  filter?: Omit<HealthEventFilter, 'from' | 'to'>;
}

export interface ThroughputBucket {
  bucketStart: Date;
  /** Value of the (first) grouping field ('' when groupBy is none; 'true'/'false' for isFatal). */
  key: string;
  /** Value of every grouping field, in groupBy's order (`[key]` for a single field). */
  keys: string[];
  count: number;
}

export interface InsertOptions {
  /** Rows per statement (PostgreSQL: per COPY chunk; MongoDB: per insertMany); the whole call is still one transaction. */
  chunkSize?: number;
}

export interface QuarantineUpdate {
  status: QuarantineStatusName;
  finishedAt?: Timestamp | null;
  /** Tracing span of the module that wrote it, stored under spanids[module]. */
  span?: { module: string; id: string };
}

export interface EvictionUpdate {
  status: EvictionStatusName;
  message?: string;
  finishedAt?: Timestamp | null;
  span?: { module: string; id: string };
}

export interface RemediationUpdate {
  remediated: boolean;
  at?: Timestamp | null;
  span?: { module: string; id: string };
}

export interface HealthEventStore {
  /** Validates every event first (nothing is written if one is bad), then writes all in one transaction. */
  insertMany(events: NewHealthEvent[], options?: InsertOptions): Promise<HealthEventWithStatus[]>;
  get(recordId: string): Promise<HealthEventWithStatus | undefined>;
  /** A node's events, newest first, within an optional time range. */
  findByNode(
    nodeName: string,
    range?: { from?: Date; to?: Date },
    page?: PageRequest,
  ): Promise<Page<HealthEventWithStatus>>;
  find(filter: HealthEventFilter, page?: PageRequest): Promise<Page<HealthEventWithStatus>>;
  /** The newest event of every node (optionally only the named nodes). */
  latestPerNode(nodeNames?: string[]): Promise<HealthEventWithStatus[]>;
  /**
   * The newest event (by generatedTimestamp, then createdAt) of every (node, checkName,
   * entitiesImpacted) seen: whether each tracked fault is open or recovered. Node-state
   * projections start from it instead of scanning every event.
   */
  latestPerCheck(nodeNames?: string[]): Promise<CheckLatest[]>;
  /** Per node, the newest event whose nodeQuarantined is Quarantined, UnQuarantined or Cancelled. */
  latestQuarantineDecisions(nodeNames?: string[]): Promise<HealthEventWithStatus[]>;
  /** Events matching the filter, counted per node (nodes with none are absent). */
  countByNode(filter?: HealthEventFilter): Promise<Map<string, number>>;
  /** Events matching the filter per node (count, fatal, first and last, entities), newest activity first, bounded. */
  groupByNode(filter: HealthEventFilter, request?: NodeGroupRequest): Promise<NodeEventGroups>;
  updateQuarantine(recordId: string, update: QuarantineUpdate): Promise<HealthEventWithStatus>;
  updateEviction(recordId: string, update: EvictionUpdate): Promise<HealthEventWithStatus>;
  updateRemediation(recordId: string, update: RemediationUpdate): Promise<HealthEventWithStatus>;
  /** NVSentinel's manual-release path: the node's quarantining events since `since` become Cancelled. */
  cancelQuarantine(nodeName: string, since: Date): Promise<number>;
  throughput(request: ThroughputRequest): Promise<ThroughputBucket[]>;
  count(filter?: HealthEventFilter): Promise<number>;
}
